import { Readable } from 'node:stream';
import {
  CallFileError,
  callRecordsOf,
  createFeedKey,
  createCallSource,
  feedSourceName,
  getCall,
  ingestCalls,
  jsonCallRecords,
  listCallSourcesFor,
  listCallsFor,
  listFeedKeys,
  revokeFeedKey,
  updateCallSourceFor,
  type CallFileFormat,
  type RawCallRecord,
} from '@hoptrace/core';
import {
  ZCallIngestQuery,
  ZCallIngestResult,
  ZCallListQuery,
  ZCallRecordInput,
  ZCallSource,
  ZCallSourceCreate,
  ZCallSourcePatch,
  ZCallView,
  ZFeedKey,
  ZFeedKeyCreate,
  ZFeedKeyCreated,
  ZIdParams,
  ZPage,
} from '@hoptrace/contracts';
import { errorCodes as fastifyErrors, type FastifyInstance } from 'fastify';
import { z } from 'zod';
import { bearer, ctxOf, typed } from '../context';
import { HttpProblem } from '../plugins/problems';
import { limitBytes, UploadTooLarge } from '../plugins/upload';

/** A feed sends its calls in many bodies; one body stops here (a bulk backfill goes through the CLI). */
export const CALL_UPLOAD_LIMIT = 100 * 1024 * 1024;

const STREAMED: Record<string, CallFileFormat> = {
  'text/csv': 'csv',
  'application/csv': 'csv',
  'application/x-ndjson': 'jsonl',
  'application/ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
  'application/json-seq': 'jsonl',
};

const ZSourceParams = z.object({ id: z.coerce.number().int().min(1).max(2_147_483_647) });

export default function callRoutes(app: FastifyInstance, opts: { uploadLimit?: number }) {
  const uploadLimit = opts.uploadLimit ?? CALL_UPLOAD_LIMIT;
  // CSV and NDJSON bodies stay streams: records are checked and stored as they arrive.
  app.addContentTypeParser(Object.keys(STREAMED), (request, payload, done) => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > uploadLimit) {
      done(new fastifyErrors.FST_ERR_CTP_BODY_TOO_LARGE(), undefined);
      return;
    }
    done(null, limitBytes(payload, uploadLimit));
  });
  const r = typed(app);

  r.post(
    '/calls',
    {
      schema: {
        operationId: 'sendCalls',
        tags: ['calls'],
        summary:
          'Send call records (staff, or a feed key for its own source): a JSON array (or `{ "calls": [...] }`), NDJSON (`application/x-ndjson`) or CSV with a header row (`text/csv`). A record already stored (same source and externalId) is counted as known; a refused record is reported with its line (index for JSON) and field and does not stop the others unless `strict=true`',
        security: bearer,
        querystring: ZCallIngestQuery,
        body: z.union([
          z.array(ZCallRecordInput),
          z.object({ calls: z.array(ZCallRecordInput) }),
          z.unknown(),
        ]),
        response: { 200: ZCallIngestResult },
      },
      bodyLimit: uploadLimit,
      // parseCallRecord drops control characters, NUL included, from a record's text (contracts calls.ts).
      config: { bodyTextCleaned: true },
    },
    async (request) => {
      const ctx = ctxOf(app, request);
      const { actor } = ctx;
      const own = actor.role === 'feed' ? await feedSourceName(ctx) : null;
      const name = request.query.source ?? own;
      if (!name)
        throw new HttpProblem(400, 'name the feed these calls come from: ?source=NAME', [
          { path: 'source', message: 'is required' },
        ]);
      if (own && name.toLowerCase() !== own.toLowerCase())
        throw new HttpProblem(403, `this feed key sends calls of source "${own}" only, not "${name}"`);
      const body: unknown = request.body;
      const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      let records: () => AsyncIterable<RawCallRecord[]>;
      let tooLarge = false;
      try {
        if (body instanceof Readable) {
          body.once('error', (err) => {
            if (err instanceof UploadTooLarge) tooLarge = true;
          });
          const format = STREAMED[contentType]!;
          // A strict import reads twice (check, then store): the stream is kept in memory only then.
          if (request.query.strict) {
            const chunks: Buffer[] = [];
            for await (const c of body as AsyncIterable<Buffer>) chunks.push(c);
            records = () => callRecordsOf(format, Readable.from(chunks));
          } else records = () => callRecordsOf(format, body);
        } else {
          const list = jsonCallRecords(body);
          records = () => Readable.from([list]) as AsyncIterable<RawCallRecord[]>;
        }
        const { sourceCreated: _created, ...result } = await ingestCalls({
          ...ctx,
          input: { source: name, records, strict: request.query.strict ?? false },
        });
        return result;
      } catch (err) {
        if (tooLarge || err instanceof UploadTooLarge)
          throw new HttpProblem(
            413,
            `the body is larger than the ${uploadLimit} bytes this route accepts; send the records in several bodies (the ones already accepted stay stored)`,
          );
        if (err instanceof CallFileError) throw new HttpProblem(400, err.message);
        throw err;
      }
    },
  );

  r.get(
    '/calls',
    {
      schema: {
        operationId: 'listCalls',
        tags: ['calls'],
        summary:
          'Call records, newest first (staff): of a source, of a campaign, or with a number as caller, called or spoken callback number',
        security: bearer,
        querystring: ZCallListQuery,
        response: { 200: ZPage(ZCallView) },
      },
    },
    (request) => listCallsFor({ ...ctxOf(app, request), query: request.query }),
  );

  r.get(
    '/calls/:id',
    {
      schema: {
        operationId: 'getCall',
        tags: ['calls'],
        summary: 'One call record (staff)',
        security: bearer,
        params: ZIdParams,
        response: { 200: ZCallView },
      },
    },
    (request) => getCall({ ...ctxOf(app, request), callId: request.params.id }),
  );

  r.get(
    '/call-sources',
    {
      schema: {
        operationId: 'listCallSources',
        tags: ['calls'],
        summary: 'The feeds of call records, with their terminating provider and call counts (staff)',
        security: bearer,
        response: { 200: z.object({ items: z.array(ZCallSource) }) },
      },
    },
    async (request) => ({ items: await listCallSourcesFor(ctxOf(app, request)) }),
  );

  r.post(
    '/call-sources',
    {
      schema: {
        operationId: 'createCallSource',
        tags: ['calls'],
        summary: 'Create a feed (staff); importing calls under a new name also creates one',
        security: bearer,
        body: ZCallSourceCreate,
        response: { 201: ZCallSource },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createCallSource({ ...ctxOf(app, request), input: request.body })),
  );

  r.patch(
    '/call-sources/:id',
    {
      schema: {
        operationId: 'updateCallSource',
        tags: ['calls'],
        summary:
          'Change a feed: its name, description, and the provider whose network delivers its calls (where a traceback of one starts)',
        security: bearer,
        params: ZSourceParams,
        body: ZCallSourcePatch,
        response: { 200: ZCallSource },
      },
    },
    (request) =>
      updateCallSourceFor({ ...ctxOf(app, request), sourceId: request.params.id, input: request.body }),
  );

  r.get(
    '/call-sources/:id/feed-keys',
    {
      schema: {
        operationId: 'listFeedKeys',
        tags: ['calls'],
        summary: "A feed's keys (staff)",
        security: bearer,
        params: ZSourceParams,
        response: { 200: z.object({ items: z.array(ZFeedKey) }) },
      },
    },
    async (request) => ({
      items: await listFeedKeys({ ...ctxOf(app, request), sourceId: request.params.id }),
    }),
  );

  r.post(
    '/call-sources/:id/feed-keys',
    {
      schema: {
        operationId: 'createFeedKey',
        tags: ['calls'],
        summary:
          'Make a feed key (staff): it can only send call records of this source (POST /calls). The key is shown once',
        security: bearer,
        params: ZSourceParams,
        body: ZFeedKeyCreate,
        response: { 201: ZFeedKeyCreated },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await createFeedKey({ ...ctxOf(app, request), sourceId: request.params.id, input: request.body }),
        ),
  );

  r.delete(
    '/call-sources/:id/feed-keys/:keyId',
    {
      schema: {
        operationId: 'revokeFeedKey',
        tags: ['calls'],
        summary: 'Revoke a feed key (staff)',
        security: bearer,
        params: ZSourceParams.extend({ keyId: z.uuid() }),
        response: { 200: ZFeedKey },
      },
    },
    (request) =>
      revokeFeedKey({ ...ctxOf(app, request), sourceId: request.params.id, keyId: request.params.keyId }),
  );
}
