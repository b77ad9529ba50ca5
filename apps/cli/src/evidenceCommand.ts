import { readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { rotateEvidenceKey, verifyEvidencePackage, type CommandContext } from '@hoptrace/core';
import { inputFile } from './usage';

/** Larger than any package hoptrace builds (200 tracebacks with their attachments); refused before reading. */
const MAX_PACKAGE_BYTES = 2 * 1024 * 1024 * 1024;

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  cwd: string;
  exitCode?: number;
}

/** A file's bytes, or a usage error naming the option and what is wrong (`cannot read FILE: no such file`). */
function readInput(
  cwd: string,
  name: string,
  option: string | undefined,
  fail: (message: string) => never,
): Buffer {
  const path = inputFile(cwd, name, option);
  if (statSync(path).size > MAX_PACKAGE_BYTES) fail(`${name} is too large to be an evidence package`);
  return readFileSync(path);
}

/**
 * `hoptrace evidence verify FILE.zip [--public-key FILE]`: offline, no database (decision 0025). Exit 0
 * when every file and the signature match, 1 naming the first that does not (or an unreadable archive),
 * 2 for a usage error. `hoptrace evidence rotate-key`: a new instance key; the old one is kept.
 */
export function registerEvidenceCommand(
  program: Command,
  io: Io,
  withContext: <T>(fn: (ctx: CommandContext) => Promise<T>) => Promise<T>,
  fail: (message: string) => never,
): void {
  const out = (s: string) => void io.stdout.write(s);
  const evidence = program
    .command('evidence')
    .description('Evidence packages: verify them, rotate the signing key');
  evidence
    .command('verify <file>')
    .description(
      'Check an evidence package offline: every file against the manifest, and the manifest signature (exit 0 verified, 1 not)',
    )
    .option(
      '--public-key <file>',
      "the instance's public key (PEM, from GET /api/v1/evidence/public-key); without it, the package's own public-key.pem, which proves integrity only",
    )
    .action((file: string, opts: { publicKey?: string }) => {
      const zip = readInput(io.cwd, file, undefined, fail);
      const publicKeyPem =
        opts.publicKey !== undefined
          ? readInput(io.cwd, opts.publicKey, '--public-key', fail).toString('utf8')
          : undefined;
      const result = verifyEvidencePackage(zip, publicKeyPem !== undefined ? { publicKeyPem } : {});
      if (!result.ok) {
        io.stderr.write(
          result.file === null
            ? `hoptrace: NOT VERIFIED: ${file} is ${result.reason}\n`
            : `hoptrace: NOT VERIFIED: ${result.file} ${result.reason}\n`,
        );
        io.exitCode = 1;
        return;
      }
      out(`verified: ${result.files} files, signed by key ${result.fingerprint}\n`);
      if (result.keyFrom === 'package')
        out(
          "note: checked with the package's own public-key.pem: this proves the files are intact, not who built them.\n" +
            '      Pass --public-key with the key the instance publishes (GET /api/v1/evidence/public-key) to prove origin.\n',
        );
    });
  evidence
    .command('rotate-key')
    .description(
      'Retire the current evidence key and make a new one; packages signed with the old key still verify',
    )
    .action(async () => {
      const { current, retired } = await withContext((ctx) => rotateEvidenceKey(ctx));
      if (retired) out(`retired key ${retired.fingerprint}\n`);
      out(`current key ${current.fingerprint}\n${current.publicKeyPem}`);
    });
}
