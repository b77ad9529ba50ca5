import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { buildVerifier, configFromEnv } from '@hoptrace/server';
import { presentVerification } from '@hoptrace/server/routes/shaken';
import {
  buildIdentityHeader,
  readTrustStoreFile,
  signPassport,
  type TrustStore,
  type VerificationResult,
} from '@hoptrace/shaken';
import { inputFile } from './usage';

/** The one line `shaken verify` starts with: the verdict, then who signed what, or the first problem. */
export function verdictLine(r: VerificationResult): string {
  if (r.ok) {
    const who = r.spc ? `SPC ${r.spc}` : (r.certificate?.subject ?? 'an unknown signer');
    return `valid: attestation ${r.attestation ?? '?'}, orig ${r.origTn ?? '?'}, signed by ${who} (${r.verstat})`;
  }
  const [first] = r.problems;
  const why = first ? `${first.code}: ${first.detail}` : 'no check passed';
  if (r.verstat === 'No-TN-Validation') return `not validated (${r.verstat}): ${why}`;
  const answer = r.sip ? ` ${r.sip.code} ${r.sip.reason}` : '';
  return `invalid (${r.verstat}${answer}): ${why}`;
}

/**
 * `hoptrace shaken verify [HEADER]` (the header from the argument or stdin) and `hoptrace shaken
 * sign`. Verify prints a one-line verdict and the problems (`--json`: the whole result) and exits 0
 * when it passed, 1 when not. It trusts what the instance trusts: HOPTRACE_STI_TRUST_ANCHORS (or
 * --trust) and, on an embedded database with the demo (as `hoptrace start` runs it), the demo's
 * simulated STI-CA and its published certificates, so the demo's headers verify offline.
 */
export function registerShaken(
  program: Command,
  out: (s: string) => void,
  fail: (message: string) => never,
  setExitCode: (code: number) => void,
  cwd = process.cwd(),
): void {
  const shaken = program.command('shaken').description('STIR/SHAKEN tools');

  const certificatesFrom = async (
    path: string | undefined,
    option: string,
  ): Promise<TrustStore['anchors']> => {
    if (path === undefined) return [];
    const read = await readTrustStoreFile(inputFile(cwd, path, option));
    if (!read.ok) fail(`${option} ${path}: ${read.reason}`);
    return read.store.anchors;
  };

  shaken
    .command('verify [header]')
    .description(
      'Verify an Identity header (argument or stdin): a one-line verdict; exit 0 if it passes, 1 if not',
    )
    .option(
      '--trust <file>',
      'PEM bundle or STI-PA trust list of STI-CA roots (env HOPTRACE_STI_TRUST_ANCHORS)',
    )
    .option(
      '--intermediates <file>',
      'PEM bundle of STI-CA intermediates to build chains with (not trust anchors)',
    )
    .option(
      '--crl-signer <file>',
      'PEM of the STI-PA certificate that signs the SHAKEN CRL (not a trust anchor)',
    )
    .option(
      '--no-demo',
      "do not trust the demo's simulated STI-CA (trusted on an embedded database, as the server does)",
    )
    .option('--call-time <iso>', 'when the call was received (default: now)')
    .option('--orig <number>', 'the calling number as signalled, compared with orig.tn')
    .option('--dest <number>', 'the called number, compared with dest.tn')
    .option('--json', 'print the whole verification as JSON instead of the verdict')
    .option('--allow-http', 'fetch http:// certificates (test setups only)')
    .option('--allow-private', 'fetch certificates from private or loopback addresses (test setups only)')
    .action(
      async (
        header: string | undefined,
        opts: {
          trust?: string;
          intermediates?: string;
          crlSigner?: string;
          demo: boolean;
          callTime?: string;
          orig?: string;
          dest?: string;
          json?: boolean;
          allowHttp?: boolean;
          allowPrivate?: boolean;
        },
      ) => {
        const identity = (header ?? readFileSync(0, 'utf8')).trim();
        if (!identity) fail('give the Identity header as an argument or on stdin');
        const callTime = opts.callTime ? new Date(opts.callTime) : new Date();
        if (Number.isNaN(callTime.getTime()))
          fail(`--call-time must be an ISO 8601 time, got "${opts.callTime}"`);
        const cfg = configFromEnv();
        const verifier = await buildVerifier(
          { stiTrustAnchors: opts.trust ? inputFile(cwd, opts.trust, '--trust') : cfg.stiTrustAnchors },
          // The server trusts the demo's STI-CA on an embedded database (no DATABASE_URL) unless --no-demo.
          opts.demo && !cfg.databaseUrl,
          {
            add: {
              intermediates: await certificatesFrom(opts.intermediates, '--intermediates'),
              crlSigners: await certificatesFrom(opts.crlSigner, '--crl-signer'),
            },
            fetch: { allowHttp: opts.allowHttp ?? false, allowPrivateNetworks: opts.allowPrivate ?? false },
          },
        );
        const result = await verifier.verifyIdentity({
          identity,
          callTime,
          ...(opts.orig ? { orig: opts.orig } : {}),
          ...(opts.dest ? { dest: opts.dest } : {}),
        });
        if (opts.json) out(`${JSON.stringify(presentVerification(result), null, 2)}\n`);
        else {
          out(`${verdictLine(result)}\n`);
          for (const problem of result.problems.slice(1))
            out(`  ${problem.code} (${problem.status}): ${problem.detail}\n`);
        }
        if (!result.ok) setExitCode(1);
      },
    );

  shaken
    .command('sign')
    .description('Sign a SHAKEN PASSporT and print the Identity header value')
    .requiredOption('--key <file>', "the signer's EC P-256 private key (PEM: SEC1 or PKCS #8)")
    .requiredOption('--x5u <url>', "the URL of the signer's certificate (leaf first, then intermediates)")
    .requiredOption('--orig <number>', 'the calling number (orig.tn)')
    .requiredOption('--dest <numbers...>', 'the called number or numbers (dest.tn)')
    .option('--attest <level>', 'attestation: A, B or C', 'A')
    .option('--iat <time>', 'signing time: ISO 8601 or seconds since the epoch (default: now)')
    .option('--origid <uuid>', 'the origination identifier (default: a random UUID)')
    .action(
      (opts: {
        key: string;
        x5u: string;
        orig: string;
        dest: string[];
        attest: string;
        iat?: string;
        origid?: string;
      }) => {
        const attest = opts.attest.toUpperCase();
        if (attest !== 'A' && attest !== 'B' && attest !== 'C')
          fail(`--attest must be A, B or C, got "${opts.attest}"`);
        let url: URL | undefined;
        try {
          url = new URL(opts.x5u);
        } catch {
          url = undefined;
        }
        if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
          fail(`--x5u must be an http(s) URL, got "${opts.x5u}"`);
        const tn = (value: string, option: string) => {
          const digits = value.replace(/^(tel:)?\+/, '').replace(/[\s().-]/g, '');
          if (!/^\d{4,15}$/.test(digits)) fail(`${option} must be a telephone number, got "${value}"`);
          return digits;
        };
        const origTn = tn(opts.orig, '--orig');
        const destTns = opts.dest.map((d) => tn(d, '--dest'));
        let iat = Math.floor(Date.now() / 1000);
        if (opts.iat !== undefined) {
          const seconds = /^\d+$/.test(opts.iat)
            ? Number(opts.iat)
            : Math.floor(new Date(opts.iat).getTime() / 1000);
          if (!Number.isSafeInteger(seconds) || seconds <= 0)
            fail(`--iat must be an ISO 8601 time or seconds since the epoch, got "${opts.iat}"`);
          iat = seconds;
        }
        if (
          opts.origid !== undefined &&
          !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(opts.origid)
        )
          fail(`--origid must be a UUID, got "${opts.origid}"`);
        let privateKey: KeyObject | undefined;
        const text = readFileSync(inputFile(cwd, opts.key, '--key'), 'utf8');
        try {
          privateKey = createPrivateKey(text);
        } catch {
          privateKey = undefined;
        }
        if (
          privateKey?.asymmetricKeyType !== 'ec' ||
          privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1'
        )
          fail(`--key ${opts.key}: not an EC P-256 private key in PEM (ES256 needs one)`);
        const passport = signPassport({
          privateKey,
          x5u: opts.x5u,
          attest,
          origTn,
          destTns,
          iat,
          ...(opts.origid ? { origid: opts.origid.toLowerCase() } : {}),
        });
        out(`${buildIdentityHeader(passport, { info: opts.x5u })}\n`);
      },
    );
}
