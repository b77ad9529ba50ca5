import { verify as verifySignature } from 'node:crypto';
import { buildPath, type ChainResult } from './chain';
import { crlSignedBy, parseCrl, type CrlParse, type ParsedCrl } from './crl';
import {
  createGuardedFetcher,
  type CredentialFetcher,
  type FetchOutcome,
  type GuardedFetcherOptions,
} from './fetcher';
import { parseIdentityHeader, DEFAULT_MAX_IDENTITY_LENGTH } from './identity-header';
import { lintParsedCertificate } from './lint';
import { decodePassport, type DecodedPassport } from './passport';
import {
  CHECK_CODES,
  decide,
  type Check,
  type CheckCode,
  type CertificateSummary,
  type CheckStatus,
  type SipCode,
  type VerificationResult,
} from './result';
import { isTnClaim, tnMatches } from './tn';
import { spcFromExtensionValue, type SpcResult } from './tn-auth-list';
import type { TrustStore } from './trust';
import {
  Oid,
  decodeCrlDistributionPoints,
  describeError,
  formatName,
  getExtension,
  parseCertificates,
  sameName,
  serialKey,
  type Certificate,
  type DistinguishedName,
} from './x509';

export interface VerifierOptions {
  /** Trust anchors (STI-CA roots), intermediates and CRL signers; see `parseTrustStore`. */
  trust: TrustStore;
  /** Fetches x5u certificates and CRLs; default `createGuardedFetcher(options.fetch)`. */
  fetcher?: CredentialFetcher;
  /** Options of the default fetcher. */
  fetch?: GuardedFetcherOptions;
  /** Largest |call time − iat| accepted, in seconds (default 60). */
  freshnessSeconds?: number;
  /** CRL checking (default 'check'). */
  revocation?: 'check' | 'off';
  /** The SHAKEN certificate profile: enforced by default; rule codes in `ignoreRules` are waived. */
  profile?: { enforce?: boolean; ignoreRules?: readonly string[] };
  maxIdentityLength?: number;
  /** Size caps for the x5u body (default 64 KiB) and CRLs (default 1 MiB). */
  maxCertificateBytes?: number;
  maxCrlBytes?: number;
  /** Wall clock, used only to judge whether a CRL is current (default: now). */
  now?: () => Date;
}

export interface CallContext {
  /** When the call was received; iat freshness and certificate validity are judged at this time. */
  callTime: Date;
  /** The calling number (From / P-Asserted-Identity), any common format. */
  orig?: string;
  /** The called number(s) (To / Request-URI), any common format. */
  dest?: string | readonly string[];
}

export interface Verifier {
  /** Verifies a SIP Identity header value (with or without the `Identity:` / `y:` name). */
  verifyIdentity(input: CallContext & { identity: string }): Promise<VerificationResult>;
  /** Verifies a bare PASSporT (no Identity header parameters to check). */
  verifyPassport(input: CallContext & { passport: string }): Promise<VerificationResult>;
}

interface CredentialEvaluation {
  parse: { ok: true; leaf: Certificate; extras: Certificate[] } | { ok: false; reason: string };
  chain: ChainResult | null;
  chainDescription: string;
  profileErrors: string[];
  spc: SpcResult | null;
  summary: CertificateSummary | null;
}

interface CrlEvaluation {
  parse: CrlParse;
  /** Issuing certificate fingerprint → whether a candidate signer's key verifies this CRL. */
  signedFor: Map<string, Promise<boolean>>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

class CheckList {
  private readonly byCode = new Map<CheckCode, Check>();

  set(code: CheckCode, status: CheckStatus, detail: string, sip: SipCode | null = null): void {
    this.byCode.set(code, { code, status, detail, sip: status === 'fail' ? sip : null });
  }
  pass(code: CheckCode, detail = ''): void {
    this.set(code, 'pass', detail);
  }
  fail(code: CheckCode, sip: SipCode, detail: string): void {
    this.set(code, 'fail', detail, sip);
  }
  status(code: CheckCode): CheckStatus | undefined {
    return this.byCode.get(code)?.status;
  }
  /** Every check, in canonical order; the ones never reached are reported as skipped. */
  list(order: readonly CheckCode[], skipReason: string): Check[] {
    return order.map(
      (code) => this.byCode.get(code) ?? { code, status: 'skip', detail: skipReason, sip: null },
    );
  }
}

// Every check but `internal`, which only reports a verifier fault.
const IDENTITY_ORDER: readonly CheckCode[] = CHECK_CODES.filter((c) => c !== 'internal');

function emptyResult(): Omit<VerificationResult, 'ok' | 'verstat' | 'sip' | 'checks' | 'problems'> {
  return {
    attestation: null,
    origTn: null,
    destTns: [],
    iat: null,
    origid: null,
    x5u: null,
    spc: null,
    certificate: null,
    revoked: null,
  };
}

export function createVerifier(options: VerifierOptions): Verifier {
  const fetcher = options.fetcher ?? createGuardedFetcher(options.fetch);
  const freshness = options.freshnessSeconds ?? 60;
  const checkRevocation = (options.revocation ?? 'check') === 'check';
  const enforceProfile = options.profile?.enforce ?? true;
  const ignoredRules = new Set(options.profile?.ignoreRules ?? []);
  const maxIdentityLength = options.maxIdentityLength ?? DEFAULT_MAX_IDENTITY_LENGTH;
  const maxCertificateBytes = options.maxCertificateBytes ?? 64 * 1024;
  const maxCrlBytes = options.maxCrlBytes ?? 1024 * 1024;
  const wallClock = options.now ?? (() => new Date());
  const { trust } = options;

  // Keyed by the fetched body: the fetcher hands out the same bytes while its cache entry lives,
  // so chain building, profile linting and CRL parsing run once per credential, not once per call.
  const credentials = new WeakMap<Uint8Array, Promise<CredentialEvaluation>>();
  const crls = new WeakMap<Uint8Array, CrlEvaluation>();

  function evaluateCredential(body: Uint8Array): Promise<CredentialEvaluation> {
    let evaluation = credentials.get(body);
    if (!evaluation) {
      evaluation = evaluate(body);
      credentials.set(body, evaluation);
    }
    return evaluation;
  }

  async function evaluate(body: Uint8Array): Promise<CredentialEvaluation> {
    const parsed = parseCertificates(body);
    let evaluation: CredentialEvaluation;
    if (!parsed.ok) {
      evaluation = {
        parse: parsed,
        chain: null,
        chainDescription: '',
        profileErrors: [],
        spc: null,
        summary: null,
      };
    } else {
      const [leaf, ...extras] = parsed.certificates as [Certificate, ...Certificate[]];
      const chain = await buildPath(leaf, [...extras, ...trust.intermediates], trust.anchors);
      const toLint = chain.ok ? chain.path.slice(0, -1) : [leaf];
      const profileErrors = toLint.flatMap((cert, i) =>
        lintParsedCertificate(cert.parsed, { role: i === 0 ? 'leaf' : 'ca' })
          .errors.filter((f) => !ignoredRules.has(f.rule))
          .map((f) => `${i === 0 ? 'leaf' : 'intermediate'} ${f.rule}: ${f.message}`),
      );
      evaluation = {
        parse: { ok: true, leaf, extras },
        chain,
        chainDescription: chain.ok ? chain.path.map((c) => formatName(c.parsed.subject)).join(' <- ') : '',
        profileErrors,
        spc: spcFromExtensionValue(getExtension(leaf.parsed, Oid.tnAuthList)?.value),
        summary: {
          subject: formatName(leaf.parsed.subject),
          issuer: formatName(leaf.parsed.issuer),
          serialNumber: leaf.parsed.serialHex,
          notBefore: leaf.parsed.notBefore,
          notAfter: leaf.parsed.notAfter,
          fingerprint: leaf.fingerprint,
        },
      };
    }
    return evaluation;
  }

  function crlEvaluation(body: Uint8Array): CrlEvaluation {
    let evaluation = crls.get(body);
    if (!evaluation) {
      evaluation = { parse: parseCrl(body), signedFor: new Map() };
      crls.set(body, evaluation);
    }
    return evaluation;
  }

  async function anySigner(crl: ParsedCrl, candidates: readonly Certificate[]): Promise<boolean> {
    for (const signer of candidates) {
      if (sameName(signer.parsed.subject, crl.issuer) && (await crlSignedBy(crl, signer.parsed.x509)))
        return true;
    }
    return false;
  }

  type RevocationOutcome = { status: CheckStatus; detail: string; revoked: boolean | null };
  type CrlPointer = { url: string | undefined; expectedIssuer: DistinguishedName } | { error: string } | null;
  const crlPointers = new WeakMap<Certificate, CrlPointer>();

  /** Where a certificate's CRL is and who must have issued it (cRLIssuer, else the issuer). */
  function crlPointer(cert: Certificate): CrlPointer {
    if (crlPointers.has(cert)) return crlPointers.get(cert) ?? null;
    let pointer: CrlPointer = null;
    const ext = getExtension(cert.parsed, Oid.crlDistributionPoints);
    if (ext) {
      try {
        const [point] = decodeCrlDistributionPoints(ext);
        pointer = {
          url: point?.uris.find((u) => /^https?:\/\//i.test(u)),
          expectedIssuer: point?.crlIssuers[0] ?? cert.parsed.issuer,
        };
      } catch (error) {
        pointer = { error: `unreadable CRL distribution point: ${describeError(error)}` };
      }
    }
    crlPointers.set(cert, pointer);
    return pointer;
  }

  async function checkCrl(
    cert: Certificate,
    issuer: Certificate,
    callTime: Date,
  ): Promise<RevocationOutcome | null> {
    const pointer = crlPointer(cert);
    if (pointer === null) return null;
    if ('error' in pointer) return { status: 'fail', detail: pointer.error, revoked: null };
    const { url, expectedIssuer } = pointer;
    const who = formatName(cert.parsed.subject);
    if (!url) return { status: 'fail', detail: `${who}: no HTTP CRL distribution point`, revoked: null };
    const fetched = await fetcher.fetch(url, { maxBytes: maxCrlBytes });
    if (!fetched.ok) {
      return {
        status: fetched.transient ? 'indeterminate' : 'fail',
        detail: `CRL ${url}: ${fetched.reason}`,
        revoked: null,
      };
    }
    const evaluation = crlEvaluation(fetched.body);
    if (!evaluation.parse.ok)
      return { status: 'fail', detail: `CRL ${url}: ${evaluation.parse.reason}`, revoked: null };
    const crl = evaluation.parse.crl;
    if (!sameName(crl.issuer, expectedIssuer)) {
      return {
        status: 'fail',
        detail: `CRL ${url} is issued by ${formatName(crl.issuer)}, expected ${formatName(expectedIssuer)}`,
        revoked: null,
      };
    }
    // Who may sign depends only on the issuing certificate, so the answer is kept per CRL body.
    let signedBy = evaluation.signedFor.get(issuer.fingerprint);
    if (signedBy === undefined) {
      signedBy = anySigner(crl, [issuer, ...trust.anchors, ...trust.intermediates, ...trust.crlSigners]);
      evaluation.signedFor.set(issuer.fingerprint, signedBy);
    }
    if (!(await signedBy))
      return {
        status: 'fail',
        detail: `CRL ${url}: signature does not verify with a known key of ${formatName(crl.issuer)}`,
        revoked: null,
      };
    const now = wallClock();
    if (crl.nextUpdate && crl.nextUpdate.getTime() < now.getTime()) {
      return {
        status: 'indeterminate',
        detail: `CRL ${url} is out of date (nextUpdate ${crl.nextUpdate.toISOString()})`,
        revoked: null,
      };
    }
    const revokedAt = crl.revoked.get(serialKey(cert.parsed.serial));
    if (revokedAt && revokedAt.getTime() <= callTime.getTime()) {
      return {
        status: 'fail',
        detail: `${who} (serial ${cert.parsed.serialHex}) revoked on ${revokedAt.toISOString()}`,
        revoked: true,
      };
    }
    const later = revokedAt ? ` (revoked later, on ${revokedAt.toISOString()})` : '';
    return { status: 'pass', detail: `${who} not revoked at the call time${later}`, revoked: false };
  }

  async function checkRevocationOf(path: Certificate[], callTime: Date): Promise<RevocationOutcome> {
    const outcomes: RevocationOutcome[] = [];
    for (let i = 0; i < path.length - 1; i++) {
      const outcome = await checkCrl(path[i] as Certificate, path[i + 1] as Certificate, callTime);
      if (outcome) outcomes.push(outcome);
    }
    if (outcomes.length === 0)
      return { status: 'skip', detail: 'no certificate in the chain names a CRL', revoked: null };
    const detail = outcomes.map((o) => o.detail).join('; ');
    if (outcomes.some((o) => o.revoked === true)) return { status: 'fail', detail, revoked: true };
    if (outcomes.some((o) => o.status === 'fail')) return { status: 'fail', detail, revoked: null };
    if (outcomes.some((o) => o.status === 'indeterminate'))
      return { status: 'indeterminate', detail, revoked: null };
    const leafChecked =
      getExtension((path[0] as Certificate).parsed, Oid.crlDistributionPoints) !== undefined;
    return { status: 'pass', detail, revoked: leafChecked ? false : null };
  }

  async function run(
    checks: CheckList,
    result: ReturnType<typeof emptyResult>,
    passport: DecodedPassport,
    call: CallContext,
    info: string | null | undefined,
  ): Promise<void> {
    const { header, payload } = passport;
    // ---- protected header (RFC 8225 §4, RFC 8588 §6)
    const algOk = header.alg === 'ES256';
    if (algOk) checks.pass('passport.alg');
    else checks.fail('passport.alg', 438, `alg must be ES256, found ${JSON.stringify(header.alg)}`);
    if (header.typ !== 'passport') {
      checks.fail('passport.typ', 438, `typ must be "passport", found ${JSON.stringify(header.typ)}`);
    } else if ('crit' in header) {
      // RFC 7515 §4.1.11: a verifier must reject critical extensions it does not understand.
      checks.fail(
        'passport.typ',
        438,
        'the crit header parameter names extensions this verifier does not support',
      );
    } else {
      checks.pass('passport.typ');
    }
    if (header.ppt === 'shaken') checks.pass('passport.ppt');
    else checks.fail('passport.ppt', 438, `ppt must be "shaken", found ${JSON.stringify(header.ppt)}`);

    let x5u: string | null = null;
    if (typeof header.x5u !== 'string' || header.x5u === '') {
      checks.set(
        'passport.x5u',
        'indeterminate',
        'no certificate URL (x5u): nothing to validate the signature with',
      );
    } else if (!URL.canParse(header.x5u)) {
      checks.set(
        'passport.x5u',
        'indeterminate',
        'x5u is not an absolute URL: nothing to validate the signature with',
      );
      result.x5u = header.x5u;
    } else {
      x5u = header.x5u;
      result.x5u = x5u;
      checks.pass('passport.x5u', x5u);
    }
    if (info !== undefined) {
      if (info === null) checks.set('identity.info_matches_x5u', 'skip', 'no info parameter');
      else if (info === header.x5u) checks.pass('identity.info_matches_x5u');
      else checks.fail('identity.info_matches_x5u', 438, 'the info parameter differs from the PASSporT x5u');
    }

    // ---- claims (RFC 8225 §5, RFC 8588 §5)
    const callMs = call.callTime instanceof Date ? call.callTime.getTime() : Number.NaN;
    const callSeconds = Math.floor(callMs / 1000);
    const callTimeOk = Number.isFinite(callMs);
    if (callTimeOk) checks.pass('call.time');
    else checks.set('call.time', 'indeterminate', 'the call time is not a valid date');
    const iat = payload.iat;
    if (iat === undefined) checks.fail('passport.iat', 403, 'iat is missing');
    else if (typeof iat !== 'number' || !Number.isSafeInteger(iat) || iat <= 0) {
      checks.fail(
        'passport.iat',
        403,
        `iat must be a positive integer, found ${JSON.stringify(iat).slice(0, 40)}`,
      );
    } else {
      result.iat = iat;
      if (callTimeOk) {
        const skew = callSeconds - iat;
        if (Math.abs(skew) <= freshness) checks.pass('passport.iat', `${skew} s old`);
        else
          checks.fail(
            'passport.iat',
            403,
            `iat is ${skew} s ${skew >= 0 ? 'before' : 'after'} the call, outside ±${freshness} s`,
          );
      }
    }

    const attest = payload.attest;
    if (attest === 'A' || attest === 'B' || attest === 'C') {
      result.attestation = attest;
      checks.pass('passport.attest', attest);
    } else {
      checks.fail(
        'passport.attest',
        438,
        `attest must be A, B or C, found ${JSON.stringify(attest ?? null).slice(0, 40)}`,
      );
    }

    const orig = payload.orig;
    let origTn: string | null = null;
    if (orig === undefined) checks.fail('passport.orig', 403, 'orig is missing');
    else if (typeof orig !== 'object' || orig === null || Array.isArray(orig)) {
      checks.fail('passport.orig', 438, 'orig must be a JSON object (RFC 8225 §5.2.1)');
    } else {
      const tn = (orig as Record<string, unknown>).tn;
      if (tn === undefined || tn === '') checks.fail('passport.orig', 403, 'orig.tn is missing or empty');
      else if (typeof tn !== 'string' || !isTnClaim(tn))
        checks.fail('passport.orig', 438, 'orig.tn is not a telephone number');
      else {
        origTn = tn;
        result.origTn = tn;
        checks.pass('passport.orig', tn);
      }
    }

    const dest = payload.dest;
    let destTns: string[] = [];
    if (dest === undefined) checks.fail('passport.dest', 403, 'dest is missing');
    else if (typeof dest !== 'object' || dest === null || Array.isArray(dest)) {
      checks.fail('passport.dest', 438, 'dest must be a JSON object (RFC 8225 §5.2.1)');
    } else {
      const tn = (dest as Record<string, unknown>).tn;
      if (tn === undefined) checks.fail('passport.dest', 403, 'dest.tn is missing');
      else if (!Array.isArray(tn))
        checks.fail('passport.dest', 438, 'dest.tn must be an array (RFC 8225 §5.2.1)');
      else {
        const values = tn.filter((v) => v !== '');
        if (values.length === 0) checks.fail('passport.dest', 403, 'dest.tn is empty');
        else if (!values.every((v): v is string => typeof v === 'string' && isTnClaim(v))) {
          checks.fail('passport.dest', 438, 'dest.tn holds a value that is not a telephone number');
        } else {
          destTns = values;
          result.destTns = values;
          checks.pass('passport.dest', values.join(', '));
        }
      }
    }

    const origid = payload.origid;
    if (typeof origid === 'string' && UUID.test(origid)) {
      result.origid = origid;
      checks.pass('passport.origid');
    } else {
      checks.fail(
        'passport.origid',
        438,
        `origid must be a UUID, found ${JSON.stringify(origid ?? null).slice(0, 60)}`,
      );
    }

    // ---- the call's own numbers (optional)
    if (call.orig === undefined) checks.set('call.orig', 'skip', 'no calling number given');
    else if (origTn === null) checks.set('call.orig', 'skip', 'no usable orig.tn');
    else if (tnMatches(origTn, call.orig)) checks.pass('call.orig');
    else
      checks.fail(
        'call.orig',
        403,
        `orig.tn ${origTn} does not match the calling number ${call.orig.slice(0, 40)}`,
      );
    const callDests =
      call.dest === undefined ? [] : typeof call.dest === 'string' ? [call.dest] : [...call.dest];
    if (callDests.length === 0) checks.set('call.dest', 'skip', 'no called number given');
    else if (destTns.length === 0) checks.set('call.dest', 'skip', 'no usable dest.tn');
    else if (callDests.some((d) => destTns.some((tn) => tnMatches(tn, d)))) checks.pass('call.dest');
    else checks.fail('call.dest', 403, `dest.tn ${destTns.join(', ')} does not include the called number`);

    // ---- the credential (ATIS-1000074 §5.3)
    if (x5u === null) return;
    const fetched: FetchOutcome = await fetcher.fetch(x5u, { maxBytes: maxCertificateBytes });
    if (!fetched.ok) {
      checks.set(
        'cert.fetch',
        fetched.transient ? 'indeterminate' : 'fail',
        `${x5u}: ${fetched.reason}`,
        436,
      );
      return;
    }
    checks.pass('cert.fetch', fetched.fromCache ? 'from cache' : 'fetched');
    const credential = await evaluateCredential(fetched.body);
    if (!credential.parse.ok) {
      checks.fail('cert.parse', 436, credential.parse.reason);
      return;
    }
    const { leaf } = credential.parse;
    checks.pass('cert.parse', `${1 + credential.parse.extras.length} certificate(s)`);
    result.certificate = credential.summary ? { ...credential.summary } : null;

    const chain = credential.chain as ChainResult;
    if (chain.ok) checks.pass('cert.chain', credential.chainDescription);
    else checks.fail('cert.chain', 437, chain.reason);

    if (callTimeOk) {
      const inForce = (chain.ok ? chain.path : [leaf]).filter(
        (c) => c.parsed.notBefore.getTime() > callMs || c.parsed.notAfter.getTime() < callMs,
      );
      if (inForce.length === 0) checks.pass('cert.validity');
      else {
        const [first] = inForce as [Certificate];
        const when = first.parsed.notBefore.getTime() > callMs ? 'not yet valid' : 'expired';
        checks.fail('cert.validity', 437, `${formatName(first.parsed.subject)} is ${when} at the call time`);
      }
    }

    if (!checkRevocation) checks.set('cert.revocation', 'skip', 'revocation checking is off');
    else if (!chain.ok) checks.set('cert.revocation', 'skip', 'no trusted chain to check');
    else if (!callTimeOk) checks.set('cert.revocation', 'skip', 'no call time');
    else {
      const outcome = await checkRevocationOf(chain.path, call.callTime);
      checks.set('cert.revocation', outcome.status, outcome.detail, 437);
      result.revoked = outcome.revoked;
    }

    if (!enforceProfile) checks.set('cert.profile', 'skip', 'profile enforcement is off');
    else if (credential.profileErrors.length === 0) checks.pass('cert.profile');
    else checks.fail('cert.profile', 437, credential.profileErrors.join('; '));

    const spc = credential.spc as SpcResult;
    if (spc.ok) {
      result.spc = spc.spc;
      checks.pass('cert.spc', spc.spc);
    } else {
      checks.fail('cert.spc', 437, spc.reason);
    }

    if (!algOk) {
      checks.set('passport.signature', 'skip', 'only ES256 signatures are verified');
      return;
    }
    const key = leaf.publicKey;
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      checks.fail(
        'passport.signature',
        437,
        'the certificate key is not a P-256 key, so it cannot verify ES256',
      );
      return;
    }
    // node:crypto rather than jose's compactVerify: jose validates the protected header first
    // (crit, b64, alg allow-list) and throws before it looks at the signature, so a PASSporT with
    // a header we reject (already reported by passport.typ) would no longer say whether its
    // signature is valid. The header checks above are ours; this check is the signature alone.
    let valid = false;
    if (passport.signature.length === 64) {
      try {
        valid = verifySignature(
          'sha256',
          Buffer.from(passport.signingInput),
          { key, dsaEncoding: 'ieee-p1363' },
          passport.signature,
        );
      } catch {
        valid = false;
      }
    }
    if (valid) checks.pass('passport.signature');
    else
      checks.fail('passport.signature', 438, 'the ES256 signature does not verify with the x5u certificate');
  }

  function finish(
    checks: CheckList,
    partial: ReturnType<typeof emptyResult>,
    order: readonly CheckCode[],
    skip: string,
  ): VerificationResult {
    const list = checks.list(order, skip);
    return { ...decide(list), checks: list, ...partial };
  }

  async function guarded(
    work: () => Promise<VerificationResult>,
    order: readonly CheckCode[],
  ): Promise<VerificationResult> {
    try {
      return await work();
    } catch (error) {
      // Reaching here is a bug; the caller still gets a result, never an exception.
      const checks = new CheckList();
      checks.set('internal', 'indeterminate', `internal error: ${describeError(error)}`);
      return finish(checks, emptyResult(), [...order, 'internal'], 'not evaluated');
    }
  }

  return {
    verifyIdentity(input) {
      return guarded(async () => {
        const checks = new CheckList();
        const result = emptyResult();
        const identity = (input as { identity?: unknown }).identity;
        if (
          typeof identity !== 'string' ||
          identity.trim() === '' ||
          /^(identity|y)\s*:\s*$/i.test(identity.trim())
        ) {
          checks.set('identity.present', 'indeterminate', 'no Identity header');
          return finish(checks, result, IDENTITY_ORDER, 'no Identity header');
        }
        checks.pass('identity.present');
        const parsed = parseIdentityHeader(identity, maxIdentityLength);
        if (!parsed.ok) {
          checks.fail('identity.syntax', 438, parsed.reason);
          return finish(checks, result, IDENTITY_ORDER, 'the Identity header could not be parsed');
        }
        const header = parsed.header;
        checks.pass('identity.syntax', header.form === 'full' ? 'full form' : 'compact form');
        if (header.info === null)
          checks.fail('identity.info', 438, 'the info parameter is missing (RFC 8224 §4)');
        else checks.pass('identity.info', header.info);
        // RFC 8224 §4.1: alg is optional and defaults to ES256.
        if (header.alg === null || header.alg === 'ES256')
          checks.pass('identity.alg', header.alg ?? 'absent, ES256 assumed');
        else checks.fail('identity.alg', 438, `alg=${header.alg.slice(0, 40)} is not supported, only ES256`);
        // RFC 8225 §8.1: a PASSporT extension must be named by the ppt parameter.
        if (header.ppt === 'shaken') checks.pass('identity.ppt');
        else
          checks.fail(
            'identity.ppt',
            438,
            header.ppt === null
              ? 'the ppt parameter is missing'
              : `ppt=${header.ppt.slice(0, 40)} is not "shaken"`,
          );
        const decoded = decodePassport(header.token);
        if (!decoded.ok) {
          checks.fail('passport.encoding', 438, decoded.reason);
          return finish(checks, result, IDENTITY_ORDER, 'the PASSporT could not be decoded');
        }
        checks.pass('passport.encoding');
        await run(checks, result, decoded.passport, input, header.info);
        return finish(checks, result, IDENTITY_ORDER, 'not evaluated: an earlier check decided the outcome');
      }, IDENTITY_ORDER);
    },

    verifyPassport(input) {
      return guarded(async () => {
        const checks = new CheckList();
        const result = emptyResult();
        for (const code of [
          'identity.present',
          'identity.syntax',
          'identity.info',
          'identity.alg',
          'identity.ppt',
          'identity.info_matches_x5u',
        ] as const) {
          checks.set(code, 'skip', 'bare PASSporT: no Identity header');
        }
        const decoded = decodePassport((input as { passport?: unknown }).passport);
        if (!decoded.ok) {
          checks.fail('passport.encoding', 438, decoded.reason);
          return finish(checks, result, IDENTITY_ORDER, 'the PASSporT could not be decoded');
        }
        checks.pass('passport.encoding');
        await run(checks, result, decoded.passport, input, undefined);
        return finish(checks, result, IDENTITY_ORDER, 'not evaluated: an earlier check decided the outcome');
      }, IDENTITY_ORDER);
    },
  };
}
