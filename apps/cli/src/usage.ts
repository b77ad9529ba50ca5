import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';

/** Exit codes: 0 done, 1 failed, 2 the input was refused (a UsageError: one line on stderr, no stack). */
export class UsageError extends Error {}

/** Why a file cannot be read, in the words every command uses; null when it can be. */
export function unreadable(path: string): string | null {
  try {
    if (statSync(path).isDirectory()) return 'it is a folder, not a file';
    accessSync(path, constants.R_OK);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'no such file';
    if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
    return code ?? String(err);
  }
}

/**
 * A file named on the command line (relative to `cwd`), checked before the command does anything: every
 * command says a missing file alike (issue 19.8): `cannot read FILE: no such file`, after the option that
 * named it (`--peer-map: cannot read …`), and exits 2.
 */
export function inputFile(cwd: string, name: string, option?: string): string {
  const path = resolve(cwd, name);
  const why = unreadable(path);
  if (why) throw new UsageError(`${option ? `${option}: ` : ''}cannot read ${name}: ${why}`);
  return path;
}
