import { readFile } from 'node:fs/promises';
import { basename, isAbsolute } from 'node:path';
import type { RmdExport } from '@hoptrace/core';
import { createGuardedFetcher } from '@hoptrace/shaken';

/**
 * Where the worker reads the RMD export from (HOPTRACE_RMD_SOURCE, decision 0032): an absolute file path
 * (a cron job or a person drops the FCC's CSV there), or an https:// URL fetched through the guarded
 * fetcher (public addresses only, pinned to the checked address, a size cap and a deadline).
 */
export type RmdSource = { kind: 'file'; path: string } | { kind: 'url'; url: string; display: string };

/** The largest export accepted from a URL (the FCC's full export is a few MB). */
export const RMD_SOURCE_MAX_BYTES = 200 * 1024 * 1024;

/** A URL as it may be shown: scheme, host and path, never credentials or the query (it may hold a token). */
export function displayUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/**
 * Parses HOPTRACE_RMD_SOURCE; undefined when unset. A value that is neither an absolute path nor an
 * https:// URL is refused with a message that does not repeat the value's credentials or query.
 */
export function parseRmdSource(raw: string | undefined): RmdSource | undefined {
  const value = raw?.trim();
  if (!value) return undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new Error('HOPTRACE_RMD_SOURCE is not a valid URL');
    }
    if (url.protocol !== 'https:')
      throw new Error(
        `HOPTRACE_RMD_SOURCE must be an absolute file path or an https:// URL (got a ${url.protocol.replace(':', '')}: URL)`,
      );
    if (url.username || url.password)
      throw new Error(
        'HOPTRACE_RMD_SOURCE must not carry credentials in the URL (user:password@); a token in the query is kept out of the logs',
      );
    return { kind: 'url', url: url.toString(), display: displayUrl(url) };
  }
  if (!isAbsolute(value))
    throw new Error(
      'HOPTRACE_RMD_SOURCE must be an absolute file path (such as /var/lib/hoptrace/rmd.csv) or an https:// URL',
    );
  return { kind: 'file', path: value };
}

/** What the worker's RMD job calls to read the export now; errors name the path or the URL without secrets. */
export function rmdReader(
  source: RmdSource,
  opts: { timeoutMs?: number; allowPrivateNetworks?: boolean } = {},
): () => Promise<RmdExport> {
  if (source.kind === 'file')
    return async () => {
      try {
        return { bytes: await readFile(source.path), name: basename(source.path) };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'error';
        throw new Error(`HOPTRACE_RMD_SOURCE: cannot read ${source.path} (${code})`);
      }
    };
  const fetcher = createGuardedFetcher({
    timeoutMs: opts.timeoutMs ?? 120_000,
    maxBytes: RMD_SOURCE_MAX_BYTES,
    defaultTtlSeconds: 0,
    maxTtlSeconds: 0,
    failureTtlSeconds: 0,
    allowPrivateNetworks: opts.allowPrivateNetworks ?? false,
  });
  return async () => {
    const out = await fetcher.fetch(source.url);
    if (!out.ok)
      throw new Error(
        `HOPTRACE_RMD_SOURCE: fetching ${source.display} failed (${out.kind}${out.status ? ` ${out.status}` : ''})`,
      );
    return { bytes: out.body, name: basename(new URL(source.url).pathname) || 'rmd.csv' };
  };
}
