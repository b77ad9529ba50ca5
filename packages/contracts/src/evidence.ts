import { z } from 'zod';
import { ZIsoDateTime, ZUuid } from './common';
import { ZEvent, ZTraceback } from './tracebacks';

/**
 * Evidence packages (decision 0025): a ZIP of a case file (report.pdf), the tracebacks as JSON, the hop
 * attachments, a manifest of every file's size and SHA-256, and an Ed25519 signature of the manifest.
 */

export const EVIDENCE_FORMAT = 'hoptrace-evidence/1';
export const EVIDENCE_TRACEBACK_FORMAT = 'hoptrace-evidence-traceback/1';
export const EVIDENCE_SCOPES = ['traceback', 'campaign', 'tracebacks'] as const;

const ZSha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in lowercase hex');

/** An attachment as a package holds it: its path in the ZIP and the hash of its original bytes. */
export const ZEvidenceAttachment = z.object({
  path: z.string(),
  attachmentId: ZUuid,
  hopId: ZUuid,
  name: z.string(),
  contentType: z.string(),
  size: z.number().int().min(0),
  sha256: ZSha256Hex,
  uploadedAt: ZIsoDateTime,
});

/**
 * `traceback.json` (or `tracebacks/<id>.json` when a package holds several): one traceback as the
 * builder was allowed to read it: the call, the path hop by hop (requested, received, due and answered
 * times, the channel, the answer, the provider's RMD standing at the time of the call), the origin with
 * its customer (staff and referred agencies only, who alone may build packages), the STIR/SHAKEN result,
 * the timeline, and the attachments with their paths in the package.
 */
export const ZEvidenceTracebackFile = z.object({
  format: z.literal(EVIDENCE_TRACEBACK_FORMAT),
  packageId: ZUuid,
  builtAt: ZIsoDateTime,
  traceback: ZTraceback.omit({ can: true, evidence: true }),
  timeline: z.array(ZEvent),
  attachments: z.array(ZEvidenceAttachment),
});
export type TEvidenceTracebackFile = z.infer<typeof ZEvidenceTracebackFile>;

/** The JSON Schema of `traceback.json`, as the package's `schema.json` holds it. */
export const evidenceTracebackJsonSchema = (): Record<string, unknown> =>
  z.toJSONSchema(ZEvidenceTracebackFile, { io: 'output', target: 'draft-2020-12' });

export const ZManifestFile = z.object({
  /** The file's path in the ZIP (`/`-separated, no leading slash). */
  path: z.string().min(1),
  size: z.number().int().min(0),
  sha256: ZSha256Hex,
});

/**
 * `manifest.json`: every file of the package but manifest.json and manifest.sig, with its size and
 * SHA-256; what the package is, who built it, when, and the key that signs it.
 */
export const ZEvidenceManifest = z.object({
  format: z.literal(EVIDENCE_FORMAT),
  packageId: ZUuid,
  scope: z.enum(EVIDENCE_SCOPES),
  tracebackIds: z.array(ZUuid),
  campaignId: ZUuid.nullable(),
  builtAt: ZIsoDateTime,
  builtBy: z.object({ userId: ZUuid.nullable(), label: z.string() }),
  key: z.object({ id: ZUuid, algorithm: z.literal('Ed25519'), fingerprint: ZSha256Hex }),
  files: z.array(ZManifestFile),
});
export type TEvidenceManifest = z.infer<typeof ZEvidenceManifest>;

/** What building a package answers; GET `downloadUrl` returns the ZIP. */
export const ZEvidencePackageCreated = z.object({
  id: ZUuid,
  /** SHA-256 of the ZIP file, hex. */
  sha256: ZSha256Hex,
  /** SHA-256 of its manifest.json, hex (the value on the timeline). */
  manifestSha256: ZSha256Hex,
  downloadUrl: z.string(),
});
export type TEvidencePackageCreated = z.infer<typeof ZEvidencePackageCreated>;

export const ZEvidenceKey = z.object({
  id: ZUuid,
  algorithm: z.literal('Ed25519'),
  /** SHA-256 of the public key's SPKI DER, hex. */
  fingerprint: ZSha256Hex,
  publicKeyPem: z.string(),
  createdAt: ZIsoDateTime,
  retiredAt: ZIsoDateTime.nullable(),
  current: z.boolean(),
});
export type TEvidenceKey = z.infer<typeof ZEvidenceKey>;
export const ZEvidenceKeyList = z.object({ items: z.array(ZEvidenceKey) });
