import {
  buildCampaignEvidencePackage,
  buildEvidencePackage,
  getEvidencePackage,
  getEvidencePublicKey,
  listEvidenceKeys,
  rotateEvidenceKey,
  type BuiltPackage,
} from '@hoptrace/core';
import { ZEvidenceKey, ZEvidenceKeyList, ZEvidencePackageCreated, ZIdParams } from '@hoptrace/contracts';
import { z } from 'zod';
import { bearer, ctxOf, typed, type App } from '../context';

const downloadUrlOf = (id: string) => `/api/v1/evidence-packages/${id}/download`;
const created = (p: BuiltPackage) => ({ ...p, downloadUrl: downloadUrlOf(p.id) });

/** Building a package renders a PDF and reads every attachment: a human pace per caller. */
const BUILD_LIMIT = { rateLimit: { max: 30, timeWindow: '1 minute' } };

/**
 * Evidence packages (decision 0025): signed ZIPs of tracebacks for enforcement, the instance's public
 * key to check them against, and its rotation.
 */
export default function evidenceRoutes(app: App) {
  const r = typed(app);
  r.post(
    '/tracebacks/:id/evidence-packages',
    {
      config: BUILD_LIMIT,
      schema: {
        operationId: 'buildTracebackEvidencePackage',
        tags: ['evidence'],
        summary:
          'Build a signed evidence package of a traceback (staff, and enforcement users it is referred to); GET downloadUrl for the ZIP',
        security: bearer,
        params: ZIdParams,
        response: { 201: ZEvidencePackageCreated },
      },
    },
    async (request, reply) => {
      const built = await buildEvidencePackage({
        ...ctxOf(app, request),
        tracebackIds: [request.params.id],
        scope: 'traceback',
      });
      return reply.code(201).header('location', downloadUrlOf(built.id)).send(created(built));
    },
  );
  r.post(
    '/campaigns/:id/evidence-packages',
    {
      config: BUILD_LIMIT,
      schema: {
        operationId: 'buildCampaignEvidencePackage',
        tags: ['evidence'],
        summary: "Build a signed evidence package of a campaign's tracebacks (staff); 409 when it has none",
        security: bearer,
        params: ZIdParams,
        response: { 201: ZEvidencePackageCreated },
      },
    },
    async (request, reply) => {
      const built = await buildCampaignEvidencePackage({
        ...ctxOf(app, request),
        campaignId: request.params.id,
      });
      return reply.code(201).header('location', downloadUrlOf(built.id)).send(created(built));
    },
  );
  r.get(
    '/evidence-packages/:id/download',
    {
      schema: {
        operationId: 'downloadEvidencePackage',
        tags: ['evidence'],
        summary:
          'Download an evidence package: the ZIP exactly as it was hashed and signed (whoever may build a package of every traceback in it)',
        security: bearer,
        params: ZIdParams,
      },
    },
    async (request, reply) => {
      const row = await getEvidencePackage({ ...ctxOf(app, request), packageId: request.params.id });
      return reply
        .type('application/zip')
        .header('content-disposition', `attachment; filename="evidence-${row.id}.zip"`)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, no-store')
        .header('digest', `sha-256=${Buffer.from(row.sha256, 'hex').toString('base64')}`)
        .send(row.data);
    },
  );
  r.get(
    '/evidence/public-key',
    {
      // A public key: anyone holding a package may check it against the key the instance publishes.
      config: { public: true },
      schema: {
        operationId: 'getEvidencePublicKey',
        tags: ['evidence'],
        summary:
          "The instance's current evidence public key, PEM (SPKI, Ed25519), as application/x-pem-file; its fingerprint in the X-Key-Fingerprint header",
        response: { 200: z.string().describe('PEM public key') },
      },
    },
    async (_request, reply) => {
      const key = await getEvidencePublicKey({ db: app.db, clock: app.clock, settings: app.settings });
      return reply
        .type('application/x-pem-file')
        .header('x-key-fingerprint', key.fingerprint)
        .header('x-key-id', key.id)
        .send(key.publicKeyPem);
    },
  );
  r.get(
    '/evidence/keys',
    {
      schema: {
        operationId: 'listEvidenceKeys',
        tags: ['evidence'],
        summary:
          'Evidence keys, current and retired, with their fingerprints and public keys (staff and enforcement users)',
        security: bearer,
        response: { 200: ZEvidenceKeyList },
      },
    },
    async (request) => ({ items: await listEvidenceKeys(ctxOf(app, request)) }),
  );
  r.post(
    '/evidence/keys/rotate',
    {
      schema: {
        operationId: 'rotateEvidenceKey',
        tags: ['evidence'],
        summary:
          'Retire the current evidence key and make a new one; packages signed with the old key still verify against it (admins)',
        security: bearer,
        response: { 201: z.object({ current: ZEvidenceKey, retired: ZEvidenceKey.nullable() }) },
      },
    },
    async (request, reply) => reply.code(201).send(await rotateEvidenceKey(ctxOf(app, request))),
  );
}
