import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { decide, type Decision, type TPeerMap } from './decide';
import { RecordFileError, type RecordSource } from './records';

/** One call to the hoptrace API: over HTTP with fetch, or in process through `app.inject`. */
export type Transport = (req: {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}) => Promise<{ status: number; body: unknown }>;

/** A transport over HTTP: `baseUrl` is the server (e.g. https://hoptrace.example), `key` an API key. */
export function fetchTransport(baseUrl: string, key: string): Transport {
  const base = baseUrl.replace(/\/+$/, '');
  return async ({ method, path, body, headers }) => {
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // keep the text: a proxy's error page is still worth logging
    }
    return { status: res.status, body: parsed };
  };
}

/** The server refused the agent's API key (401) or its rights (403). */
export class AgentRefusedError extends Error {
  constructor(readonly status: number) {
    super(
      status === 401
        ? "the server refused the API key (401): check --api-key or HOPTRACE_API_KEY (a key of one of the provider's users, not revoked)"
        : "the server refused the request (403): the API key is not a provider user's key with the api scope",
    );
    this.name = 'AgentRefusedError';
  }
}

/** The part of a hop (GET /api/v1/hops) the agent reads. */
export interface AgentHop {
  id: string;
  tracebackId: string;
  status: string;
  call: { startedAt: string; callingNumber: string; calledNumber: string };
  /** A forward request: who holds a number, which subscriber records tell, not call records. */
  forward?: { number: string; lastHeardAt: string };
}

export type AgentLog = (entry: Record<string, unknown>) => void;

export const jsonLineLog =
  (write: (line: string) => void = (l) => process.stdout.write(l)): AgentLog =>
  (entry) =>
    write(`${JSON.stringify({ at: new Date().toISOString(), ...entry })}\n`);

export interface AgentOptions {
  transport: Transport;
  records: RecordSource;
  peerMap: TPeerMap;
  toleranceSeconds?: number;
  /** not_found only where records exist on both sides of the call within this many seconds (default 600). */
  coverageSeconds?: number;
  dryRun?: boolean;
  log?: AgentLog;
}

export type HandledHop =
  | { hopId: string; outcome: 'answered'; decision: Decision }
  | { hopId: string; outcome: 'dry_run'; decision: Decision }
  | { hopId: string; outcome: 'ask_person'; decision: Decision }
  | { hopId: string; outcome: 'refused'; decision: Decision; status: number; detail: string }
  | { hopId: string; outcome: 'skipped'; detail: string };

/**
 * The provider's side of automation: looks each pending hop's call up in the provider's own
 * records and answers what it can decide alone; everything else waits for a person.
 */
export class ProviderAgent {
  readonly #opts: Required<Omit<AgentOptions, 'log'>> & { log: AgentLog };
  /** Hops already decided (answered, or left for a person), so a poll does not repeat itself. */
  readonly #seen = new Set<string>();

  constructor(opts: AgentOptions) {
    this.#opts = { toleranceSeconds: 30, coverageSeconds: 600, dryRun: false, log: () => {}, ...opts };
  }

  /**
   * Replaces the peer map without a restart (SIGHUP, or the file changed). Hops already left for a
   * person stay theirs; the next hops are decided with the new map.
   */
  setPeerMap(peerMap: TPeerMap): void {
    this.#opts.peerMap = peerMap;
  }

  /** Reads every pending hop of this provider and handles those not seen before. */
  async pollOnce(): Promise<HandledHop[]> {
    const out: HandledHop[] = [];
    let cursor: string | null = null;
    do {
      const qs = `status=pending&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await this.#opts.transport({ method: 'GET', path: `/hops?${qs}` });
      // A refused key never gets better by waiting: said as such, so a supervisor or cron job sees it.
      if (res.status === 401 || res.status === 403) throw new AgentRefusedError(res.status);
      if (res.status !== 200) {
        this.#opts.log({
          level: 'error',
          msg: 'listing pending hops failed',
          status: res.status,
          body: res.body,
        });
        return out;
      }
      const page = res.body as { items: AgentHop[]; nextCursor: string | null };
      for (const hop of page.items) if (!this.#seen.has(hop.id)) out.push(await this.handle(hop));
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }

  /** Handles one hop named by a webhook: reads it first, since the webhook is only a hint. */
  async handleById(hopId: string): Promise<HandledHop> {
    const res = await this.#opts.transport({ method: 'GET', path: `/hops/${encodeURIComponent(hopId)}` });
    if (res.status !== 200) {
      this.#opts.log({ level: 'warn', msg: 'hop not readable', hopId, status: res.status });
      return { hopId, outcome: 'skipped', detail: `GET /hops/${hopId} answered ${res.status}` };
    }
    return this.handle(res.body as AgentHop);
  }

  async handle(hop: AgentHop): Promise<HandledHop> {
    const { log, toleranceSeconds, coverageSeconds } = this.#opts;
    if (hop.status !== 'pending') {
      log({ level: 'info', msg: 'hop is not pending', hopId: hop.id, status: hop.status });
      return { hopId: hop.id, outcome: 'skipped', detail: `the hop is ${hop.status}` };
    }
    let lookup = null;
    if (!hop.forward)
      try {
        lookup = await this.#opts.records.lookup(hop.call, { toleranceSeconds, coverageSeconds });
      } catch (err) {
        if (!(err instanceof RecordFileError)) throw err;
        // The records could not be read now (a database restarting): tried again on the next poll.
        log({ level: 'error', msg: 'records unreadable', hopId: hop.id, detail: err.message });
        return { hopId: hop.id, outcome: 'skipped', detail: err.message };
      }
    // Call records cannot say whose customer holds a number: "no record" would be a wrong answer.
    const decision: Decision = hop.forward
      ? {
          action: 'ask_person',
          reason: 'forward_request',
          detail: `a forward request about ${hop.forward.number}: who holds it is in the subscriber records, not the call records`,
          matched: 0,
        }
      : decide(lookup, this.#opts.peerMap, toleranceSeconds, hop.call);
    const base = { hopId: hop.id, tracebackId: hop.tracebackId, call: hop.call, matched: decision.matched };
    if (decision.action === 'ask_person') {
      this.#seen.add(hop.id);
      // The API has no way to comment without answering: the person learns of it from this log line.
      log({
        level: 'warn',
        msg: 'left for a person',
        ...base,
        reason: decision.reason,
        detail: decision.detail,
      });
      return { hopId: hop.id, outcome: 'ask_person', decision };
    }
    if (this.#opts.dryRun) {
      this.#seen.add(hop.id);
      // The decision's customer is CPNI: a log never carries it, dry run or not.
      log({ level: 'info', msg: 'would answer (dry run)', ...base, answer: redact(decision) });
      return { hopId: hop.id, outcome: 'dry_run', decision };
    }
    const res = await this.#opts.transport({
      method: 'POST',
      path: `/hops/${encodeURIComponent(hop.id)}/answer`,
      body: decision.answer,
      headers: { 'idempotency-key': `agent-${hop.id}` },
    });
    if (res.status === 200) {
      this.#seen.add(hop.id);
      log({ level: 'info', msg: 'answered', ...base, answer: redact(decision) });
      return { hopId: hop.id, outcome: 'answered', decision };
    }
    const detail =
      typeof res.body === 'object' && res.body && 'detail' in res.body
        ? String(res.body.detail)
        : String(res.body);
    // A 4xx will not improve by retrying; a 5xx or a network error is retried on the next poll, and
    // so are 429 (too many requests) and 409: the hop is still pending (polls only see pending hops),
    // so the 409 is the key's earlier request still running, or cut off and freed once its lease lapses.
    if (res.status < 500 && res.status !== 409 && res.status !== 429) this.#seen.add(hop.id);
    log({ level: 'error', msg: 'answer refused', ...base, status: res.status, detail });
    return { hopId: hop.id, outcome: 'refused', decision, status: res.status, detail };
  }
}

/** The log names the kind and the upstream, never the customer's details (CPNI). */
function redact(decision: Decision): Record<string, unknown> | undefined {
  if (decision.action !== 'answer') return undefined;
  const a = decision.answer;
  // The Identity header is long and says nothing a person needs in the log: only that it was sent.
  const received = a.kind !== 'not_found' && a.received ? { received: 'identity header sent' } : {};
  if (a.kind === 'origin') return { kind: a.kind, action: a.action, ...received };
  if (a.kind === 'upstream')
    return { kind: a.kind, upstreamProviderId: a.upstreamProviderId, comment: a.comment, ...received };
  return { ...a };
}

/** Checks `Hoptrace-Signature: t=…,v1=…` (HMAC-SHA256 of `t.body`) as the server signs webhooks. */
export function verifySignature(
  secret: string,
  body: string,
  header: string,
  now: Date,
  toleranceSeconds = 300,
) {
  const parts = Object.fromEntries(
    header.split(',').map((kv) => {
      const i = kv.indexOf('=');
      return [kv.slice(0, i).trim(), kv.slice(i + 1).trim()];
    }),
  );
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1 || Math.abs(now.getTime() / 1000 - t) > toleranceSeconds)
    return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  const given = Buffer.from(String(parts.v1), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Receives the provider's webhooks: a signed `hop.assigned` makes the agent read and answer that
 * hop. Anything unsigned or wrongly signed is refused with 401.
 */
export function startWebhookReceiver(
  agent: ProviderAgent,
  opts: { port: number; host?: string; secret: string; log?: AgentLog },
): Promise<Server> {
  const log = opts.log ?? (() => {});
  const server = createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 1024 * 1024) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const sig = String(req.headers['hoptrace-signature'] ?? '');
      if (!verifySignature(opts.secret, body, sig, new Date())) {
        log({ level: 'warn', msg: 'webhook refused: bad signature' });
        res.writeHead(401).end();
        return;
      }
      res.writeHead(204).end();
      let event: { event?: string; data?: { hopId?: string } };
      try {
        event = JSON.parse(body) as typeof event;
      } catch {
        return;
      }
      if (event.event === 'hop.assigned' && event.data?.hopId)
        agent.handleById(event.data.hopId).catch((err: unknown) => log({ level: 'error', msg: String(err) }));
    });
  });
  return new Promise((resolve) => server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve(server)));
}
