import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadTrustAnchors } from '@hoptrace/server';
import { presentVerification } from '@hoptrace/server/routes/shaken';
import { createVerifier } from '@hoptrace/shaken';

/**
 * `hoptrace shaken verify [HEADER]`: the header from the argument or stdin.
 * Prints the verification as JSON; exits 0 when it passed, 1 when it did not.
 */
export function registerShaken(
  program: Command,
  out: (s: string) => void,
  fail: (message: string) => never,
  setExitCode: (code: number) => void,
): void {
  program
    .command('shaken')
    .description('STIR/SHAKEN tools')
    .command('verify [header]')
    .description('Verify an Identity header (argument or stdin): exit 0 if it passes, 1 if not')
    .option(
      '--trust <file>',
      'PEM bundle or STI-PA trust list of STI-CA roots (env HOPTRACE_STI_TRUST_ANCHORS)',
    )
    .option('--call-time <iso>', 'when the call was received (default: now)')
    .option('--orig <number>', 'the calling number as signalled, compared with orig.tn')
    .option('--dest <number>', 'the called number, compared with dest.tn')
    .option('--allow-http', 'fetch http:// certificates (test setups only)')
    .option('--allow-private', 'fetch certificates from private or loopback addresses (test setups only)')
    .action(
      async (
        header: string | undefined,
        opts: {
          trust?: string;
          callTime?: string;
          orig?: string;
          dest?: string;
          allowHttp?: boolean;
          allowPrivate?: boolean;
        },
      ) => {
        const identity = (header ?? readFileSync(0, 'utf8')).trim();
        if (!identity) fail('give the Identity header as an argument or on stdin');
        const callTime = opts.callTime ? new Date(opts.callTime) : new Date();
        if (Number.isNaN(callTime.getTime()))
          fail(`--call-time must be an ISO 8601 time, got "${opts.callTime}"`);
        const verifier = createVerifier({
          trust: await loadTrustAnchors(opts.trust ?? process.env.HOPTRACE_STI_TRUST_ANCHORS),
          fetch: { allowHttp: opts.allowHttp ?? false, allowPrivateNetworks: opts.allowPrivate ?? false },
        });
        const result = await verifier.verifyIdentity({
          identity,
          callTime,
          ...(opts.orig ? { orig: opts.orig } : {}),
          ...(opts.dest ? { dest: opts.dest } : {}),
        });
        out(`${JSON.stringify(presentVerification(result), null, 2)}\n`);
        if (!result.ok) setExitCode(1);
      },
    );
}
