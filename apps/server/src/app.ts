import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  answerBatcher,
  systemClock,
  type AnswerItem,
  type Clock,
  type CoreSettings,
  type GroupCommit,
  type GroupCommitOptions,
} from '@hoptrace/core';
import type { THop } from '@hoptrace/contracts';
import { createVerifier, emptyTrustStore, type Verifier } from '@hoptrace/shaken';
import type { Db } from '@hoptrace/db';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import authPlugin from './plugins/auth';
import { safeLoggerOptions } from './logging';
import idempotency from './plugins/idempotency';
import limits, { apiKeyLimit, DEFAULT_LIMITS, type LimitSettings } from './plugins/limits';
import inputHygiene from './plugins/inputHygiene';
import problems, { clientErrorHandler, frameworkErrors } from './plugins/problems';
import securityHeaders from './plugins/securityHeaders';
import web from './plugins/web';
import attachmentRoutes from './routes/attachments';
import auditRoutes from './routes/audit';
import authRoutes from './routes/auth';
import callRoutes from './routes/calls';
import campaignRoutes from './routes/campaigns';
import bulkRoutes from './routes/bulk';
import directoryRoutes from './routes/directory';
import dnoRoutes from './routes/dno';
import rmdRoutes from './routes/rmd';
import scorecardRoutes from './routes/scorecards';
import secondFactorRoutes from './routes/secondFactor';
import healthRoutes from './routes/health';
import portalRoutes from './routes/portal';
import notificationRoutes from './routes/notifications';
import referralRoutes from './routes/referrals';
import evidenceRoutes from './routes/evidence';
import agencyRoutes from './routes/agencies';
import legalRoutes from './routes/legal';
import shakenRoutes from './routes/shaken';
import statisticsRoutes from './routes/statistics';
import tracebackRoutes from './routes/tracebacks';
import type { WebhookPolicy } from './worker/webhooks';
import { createMetrics, type Metrics } from './ops/metrics';
import type { ReadinessOptions } from './ops/ready';
import { metricsRoute } from './ops/routes';
import { openapiComponentSchemas, openapiTransform } from './openapi';

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
    clock: Clock;
    settings: CoreSettings;
    /** Hop answers, gathered into one transaction each when they arrive together (group commit). */
    answers: GroupCommit<AnswerItem, THop>;
    /** What the process is still doing after it began to listen (the health check and the portal say so). */
    startup: StartupState;
    /** What `/api/v1/ready` checks besides the database (the worker of this process, if any). */
    readiness: ReadinessOptions;
    metrics: Metrics;
  }
}

/** `demo: 'loading'` while `hoptrace start` fills a new embedded database with the demo behind a listening server. */
export interface StartupState {
  demo: 'loading' | 'done';
}

export interface AppOptions {
  db: Db;
  clock: Clock;
  logger?: FastifyServerOptions['logger'];
  /** Set the Secure flag on the session cookie (behind HTTPS). */
  secureCookies?: boolean;
  settings?: CoreSettings;
  /** Verifies Identity headers (POST /shaken/verify); default: no trust anchors, public https only. */
  verifier?: Verifier;
  /** Who may receive webhooks: https only and public addresses, unless relaxed for tests or a closed network. */
  webhookPolicy?: WebhookPolicy;
  version?: string;
  /** Batch sizes of the hop answers' group commit (defaults: 64 answers, one batch at a time). */
  answerBatching?: GroupCommitOptions;
  /** The largest attachment accepted, in bytes (default HOPTRACE_ATTACHMENT_MAX_BYTES, else 10 MB). */
  attachmentMaxBytes?: number;
  /** Rate limits, sign-in and upload limits (defaults: DEFAULT_LIMITS; no per-key limit unless given). */
  limits?: Partial<LimitSettings>;
  /** The clock of rate limits, sign-in throttles and leases (default: real time; tests pass their manual clock). */
  limitsClock?: Clock;
  /** Fastify's trustProxy (default: HOPTRACE_TRUST_PROXY, see trustProxyFromEnv). */
  trustProxy?: FastifyServerOptions['trustProxy'];
  /** How long an Idempotency-Key claim holds unless its request renews it (default 30 s, decision 0019). */
  idempotencyLeaseMs?: number;
  /** The largest body of call records accepted, in bytes (default 100 MB; tests lower it). */
  callUploadMaxBytes?: number;
  /** Shared with the caller, which updates it (startServer while the demo loads). */
  startup?: StartupState;
  /** The process's metrics (default: a registry of this app's own, without the Node.js process metrics). */
  metrics?: Metrics;
  /** `GET /metrics` needs `Authorization: Bearer <token>`; without a token the public port answers 404. */
  metricsToken?: string | undefined;
  /** PostgreSQL's pool, for the pool gauges. */
  poolStats?: (() => { total: number; idle: number; waiting: number } | null) | undefined;
  readiness?: ReadinessOptions;
}

export const BODY_LIMIT = 1024 * 1024;

/**
 * `HOPTRACE_TRUST_PROXY`: unset or `false` trusts no proxy (the client address is the peer's); a
 * comma-separated list of addresses or CIDR ranges trusts those proxies only (the client address is
 * the last one in X-Forwarded-For that is not one of them); `true` trusts every hop, which lets a
 * client that reaches the server directly pick its own address. (Fastify refuses hop counts: they
 * cannot check who the peer is.)
 */
export function trustProxyFromEnv(env: NodeJS.ProcessEnv = process.env): boolean | string[] {
  const raw = env.HOPTRACE_TRUST_PROXY?.trim() ?? '';
  if (raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  return raw
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
}

/**
 * The whole HTTP surface as one Fastify instance: external plugins first, then
 * our decorators and hooks, then routes. `server.ts` only listens and shuts down.
 */
export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    // Errors, URLs and messages pass through the redacting serializers (logging.ts) whatever the options.
    logger: opts.logger
      ? safeLoggerOptions(opts.logger === true ? {} : (opts.logger as Record<string, unknown>))
      : false,
    bodyLimit: BODY_LIMIT,
    trustProxy: opts.trustProxy ?? trustProxyFromEnv(),
    ajv: { customOptions: { coerceTypes: false } },
    // Errors before routing and refused by Node's HTTP parser answer in problem+json too.
    frameworkErrors,
    clientErrorHandler,
  });
  // Bodies are JSON only: Fastify's default text/plain parser would hand a route a string to validate (a
  // misleading 400 "expected object") where the answer is 415.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const metrics = opts.metrics ?? createMetrics({ processMetrics: false });
  metrics.attach({ db: opts.db, clock: opts.clock, poolStats: opts.poolStats });
  // Commands tell the metrics what they committed, unless the caller observes them itself.
  const settings: CoreSettings = opts.settings?.observer
    ? opts.settings
    : { ...(opts.settings ?? {}), observer: metrics.observer };
  app.decorate('db', opts.db);
  app.decorate('clock', opts.clock);
  app.decorate('settings', settings);
  app.decorate('metrics', metrics);
  app.decorate('readiness', opts.readiness ?? {});
  app.decorate('startup', opts.startup ?? { demo: 'done' });
  app.decorate('answers', answerBatcher({ db: opts.db, clock: opts.clock, settings }, opts.answerBatching));
  // Request latency by route pattern (never the raw URL: ids would make a series each).
  app.addHook('onResponse', (request, reply, done) => {
    metrics.request(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });

  await app.register(problems);
  // Scripts only from this origin, no eval, no inline script (the portal and the API docs need none). Inline
  // styles stay allowed: Mantine sets CSS variables and positions popovers through style attributes.
  await app.register(securityHeaders, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
  });
  await app.register(cookie);
  const limitSettings: LimitSettings = { ...DEFAULT_LIMITS, ...opts.limits };
  const limitsClock = opts.limitsClock ?? systemClock;
  await app.register(limits, { db: opts.db, clock: limitsClock, settings: limitSettings });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'hoptrace API',
        version: opts.version ?? '0.0.0',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
        description:
          'Traceback of illegal robocalls, hop by hop. Authenticate with `Authorization: Bearer <api key>` or the session cookie from `POST /api/v1/auth/login`. Errors are `application/problem+json`. Lists are cursor-paginated: pass `nextCursor` back as `cursor`. POSTs honour an `Idempotency-Key` header.',
      },
      servers: [{ url: '/' }],
      components: {
        schemas: openapiComponentSchemas,
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer' },
          cookieAuth: { type: 'apiKey', in: 'cookie', name: 'hoptrace_session' },
        },
      },
    },
    transform: openapiTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true } }, () => app.swagger());

  await app.register(
    async (api) => {
      // API answers carry customer details (origins), secrets (new API keys, feed keys), evidence and
      // exports: no cache, shared or private, keeps a copy. A route that sets its own (the DNO list's
      // revalidation by ETag) keeps it.
      api.addHook('onSend', async (_request, reply, payload) => {
        if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
        return payload;
      });
      await api.register(authPlugin, { db: opts.db, clock: opts.clock, settings: opts.settings ?? {} });
      if (limitSettings.apiKeyPerMinute > 0)
        api.addHook('onRequest', apiKeyLimit(api, limitSettings.apiKeyPerMinute));
      await api.register(inputHygiene);
      await api.register(idempotency, {
        db: opts.db,
        clock: limitsClock,
        leaseMs: opts.idempotencyLeaseMs,
      });
      api.register(healthRoutes);
      api.register(authRoutes, { secureCookies: opts.secureCookies ?? false });
      api.register(secondFactorRoutes, { secureCookies: opts.secureCookies ?? false });
      api.register(directoryRoutes);
      await api.register(dnoRoutes);
      api.register(rmdRoutes);
      api.register(tracebackRoutes);
      api.register(referralRoutes);
      api.register(auditRoutes);
      api.register(evidenceRoutes);
      api.register(agencyRoutes);
      api.register(shakenRoutes, {
        verifier: opts.verifier ?? createVerifier({ trust: emptyTrustStore() }),
      });
      api.register(bulkRoutes);
      api.register(callRoutes, { uploadLimit: opts.callUploadMaxBytes });
      api.register(campaignRoutes);
      api.register(notificationRoutes, {
        webhookPolicy: opts.webhookPolicy ?? { allowHttp: false, allowPrivateNetworks: false },
      });
      api.register(portalRoutes);
      api.register(statisticsRoutes);
      api.register(scorecardRoutes);
      api.register(attachmentRoutes, {
        maxBytes: opts.attachmentMaxBytes ?? (Number(process.env.HOPTRACE_ATTACHMENT_MAX_BYTES) || undefined),
      });
      api.register(legalRoutes, {
        maxBytes: opts.attachmentMaxBytes ?? (Number(process.env.HOPTRACE_ATTACHMENT_MAX_BYTES) || undefined),
      });
    },
    { prefix: '/api/v1' },
  );
  metricsRoute(app, { metrics, token: opts.metricsToken, open: false });
  await app.register(web, {});
  return app;
}
