import { Readable } from 'node:stream';
import {
  addDnoEntries,
  checkDnoNumber,
  checkDnoNumbers,
  DnoList,
  importDnoCsv,
  listDnoChanges,
  readDnoList,
  retireDnoEntry,
  type DnoListEntry,
} from '@hoptrace/core';
import {
  csvRow,
  ZDnoChanges,
  ZDnoChangesQuery,
  ZDnoCheckBatch,
  ZDnoCheckBatchResult,
  ZDnoCheckQuery,
  ZDnoCheckResult,
  ZDnoEntriesCreate,
  ZDnoEntriesResult,
  ZDnoEntry,
  ZDnoImportReport,
  ZDnoListQuery,
  ZDnoRetire,
  ZIdParams,
} from '@hoptrace/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import { bearer, ctxOf, typed } from '../context';
import { HttpProblem } from '../plugins/problems';

declare module 'fastify' {
  interface FastifyInstance {
    /** The process's DNO list and index, shared by every request (routes/dno.ts). */
    dno: DnoList;
  }
}

export const DNO_VERSION_HEADER = 'x-dno-version';
const CSV_IMPORT_LIMIT = 20 * 1024 * 1024;

/** A `dno`-scoped key downloads and checks; changing the list takes a session or an `api` key. */
function requireWriteScope(request: FastifyRequest): void {
  if (request.apiKeyScopes && !request.apiKeyScopes.includes('api'))
    throw new HttpProblem(403, 'this API key is scoped for reading the DNO list only');
}

const CSV_COLUMNS = [
  'id',
  'category',
  'start',
  'end',
  'source',
  'reason',
  'organisation',
  'evidence',
  'added_at',
  'version_added',
] as const;

function* csvLines(entries: readonly DnoListEntry[]): Generator<string> {
  yield `${CSV_COLUMNS.join(',')}\r\n`;
  let chunk = '';
  for (const e of entries) {
    // csvRow neutralises cells a spreadsheet would run as formulas (a reason of "=cmd|…").
    chunk += `${csvRow([e.id, e.category, e.start, e.end, e.source, e.reason, e.organisation, e.evidence, e.addedAt, e.versionAdded])}\r\n`;
    if (chunk.length > 64 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

function* jsonLines(version: number, entries: readonly DnoListEntry[]): Generator<string> {
  yield `{"version":${version},"entries":[`;
  for (let i = 0; i < entries.length; i += 500)
    yield entries
      .slice(i, i + 500)
      .map((e, j) => (i + j === 0 ? '\n' : ',\n') + JSON.stringify(e))
      .join('');
  yield '\n]}\n';
}

function dnoRoutes(app: FastifyInstance) {
  // DNO imports arrive as CSV; only these routes accept a text body.
  app.addContentTypeParser(
    'text/csv',
    { parseAs: 'string', bodyLimit: CSV_IMPORT_LIMIT },
    (_req, body, done) => done(null, body),
  );
  const r = typed(app);

  r.post(
    '/dno/entries',
    {
      schema: {
        operationId: 'addDnoEntries',
        tags: ['dno'],
        summary:
          'Add Do-Not-Originate entries, single numbers or ranges (staff); re-adding a live entry changes nothing',
        security: bearer,
        body: ZDnoEntriesCreate,
        response: { 200: ZDnoEntriesResult },
      },
    },
    async (request, reply) => {
      const ctx = ctxOf(app, request);
      requireWriteScope(request);
      const result = await addDnoEntries({ ...ctx, input: request.body });
      await app.dno.changed();
      return reply.header(DNO_VERSION_HEADER, String(result.version)).send(result);
    },
  );

  r.delete(
    '/dno/entries/:id',
    {
      schema: {
        operationId: 'retireDnoEntry',
        tags: ['dno'],
        summary: 'Retire a DNO entry (staff): it leaves the list and appears as removed in the changes',
        security: bearer,
        params: ZIdParams,
        body: ZDnoRetire.nullish(),
        response: { 200: z.object({ version: z.number().int(), entry: ZDnoEntry }) },
      },
    },
    async (request, reply) => {
      const ctx = ctxOf(app, request);
      requireWriteScope(request);
      const result = await retireDnoEntry({
        ...ctx,
        entryId: request.params.id,
        reason: request.body?.reason,
      });
      await app.dno.changed();
      return reply.header(DNO_VERSION_HEADER, String(result.version)).send(result);
    },
  );

  r.post(
    '/dno/import',
    {
      bodyLimit: CSV_IMPORT_LIMIT,
      schema: {
        operationId: 'importDnoCsv',
        tags: ['dno'],
        summary:
          'Import DNO entries from CSV (`text/csv`; columns number or start,end, category, source, reason, organisation, evidence) with a report per row (staff)',
        security: bearer,
        querystring: z.object({ fileName: z.string().max(200).optional() }),
        response: { 200: ZDnoImportReport },
      },
    },
    async (request, reply) => {
      const ctx = ctxOf(app, request);
      requireWriteScope(request);
      if (typeof request.body !== 'string')
        throw new HttpProblem(
          415,
          `send the file as text/csv (got ${request.headers['content-type'] ?? 'none'})`,
        );
      const report = await importDnoCsv({ ...ctx, input: request.body, fileName: request.query.fileName });
      await app.dno.changed();
      return reply.header(DNO_VERSION_HEADER, String(report.version)).send(report);
    },
  );

  r.get(
    '/dno/list',
    {
      schema: {
        operationId: 'getDnoList',
        tags: ['dno'],
        summary:
          'The live DNO list as JSON or CSV, streamed. `ETag` is the list version: send it back as `If-None-Match` for a 304 when nothing changed',
        security: bearer,
        querystring: ZDnoListQuery,
      },
    },
    async (request, reply) => {
      const { actor } = ctxOf(app, request);
      const snapshot = readDnoList({ actor, snapshot: await app.dno.current() });
      const etag = `"dno-${snapshot.version}-${request.query.format}"`;
      reply
        .header('etag', etag)
        .header(DNO_VERSION_HEADER, String(snapshot.version))
        .header('cache-control', 'private, no-cache');
      const inm = request.headers['if-none-match'];
      if (inm && inm.split(',').some((t) => t.trim() === etag || t.trim() === '*'))
        return reply.code(304).send();
      if (request.query.format === 'csv')
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="dno-v${snapshot.version}.csv"`)
          .send(Readable.from(csvLines(snapshot.entries)));
      return reply
        .type('application/json; charset=utf-8')
        .send(Readable.from(jsonLines(snapshot.version, snapshot.entries)));
    },
  );

  r.get(
    '/dno/changes',
    {
      schema: {
        operationId: 'listDnoChanges',
        tags: ['dno'],
        summary: 'Changes to the DNO list after version `since`, oldest first (entries added and removed)',
        security: bearer,
        querystring: ZDnoChangesQuery,
        response: { 200: ZDnoChanges },
      },
    },
    async (request, reply) => {
      const ctx = ctxOf(app, request);
      const changes = await listDnoChanges({
        ...ctx,
        since: request.query.since,
        limit: request.query.limit,
      });
      return reply.header(DNO_VERSION_HEADER, String(changes.version)).send(changes);
    },
  );

  r.get(
    '/dno/check',
    {
      schema: {
        operationId: 'checkDnoNumber',
        tags: ['dno'],
        summary:
          'Check one number against the DNO list: its E.164 form (or why it is not valid) and the entry that lists it',
        security: bearer,
        querystring: ZDnoCheckQuery,
        response: { 200: ZDnoCheckResult },
      },
    },
    async (request, reply) => {
      const { actor } = ctxOf(app, request);
      const snapshot = await app.dno.current();
      const result = checkDnoNumber({ actor, snapshot, number: request.query.number });
      return reply.header(DNO_VERSION_HEADER, String(snapshot.version)).send(result);
    },
  );

  r.post(
    '/dno/check',
    {
      bodyLimit: 2 * 1024 * 1024,
      schema: {
        operationId: 'checkDnoNumbers',
        tags: ['dno'],
        summary: 'Check up to 10,000 numbers against the DNO list',
        security: bearer,
        body: ZDnoCheckBatch,
        response: { 200: ZDnoCheckBatchResult },
      },
    },
    async (request, reply) => {
      const { actor } = ctxOf(app, request);
      const snapshot = await app.dno.current();
      const results = checkDnoNumbers({ actor, snapshot, numbers: request.body.numbers });
      return reply
        .header(DNO_VERSION_HEADER, String(snapshot.version))
        .send({ version: snapshot.version, results });
    },
  );
}

/**
 * The DNO list holder, decorated on the API scope so the traceback routes check calling numbers
 * against the same index, and the DNO routes.
 */
export default fp(async function dno(app: FastifyInstance) {
  app.decorate('dno', new DnoList(app.db));
  await app.register(dnoRoutes);
});
