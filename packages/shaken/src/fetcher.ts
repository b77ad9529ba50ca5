import { lookup as dnsLookup } from 'node:dns/promises';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Fetches certificates (x5u) and CRLs on behalf of a verifier. Both URLs come from strangers: a
 * PASSporT names its own x5u, so this is the one place where an attacker chooses what we connect
 * to. Hence: https only by default, every resolved address checked (a hostname that resolves to a
 * private or loopback address is refused, and the connection is pinned to the checked address so a
 * second DNS answer cannot swap it), a deadline for the whole exchange, a size cap, and a cache
 * that honours Cache-Control / Expires so a flood of calls causes one fetch, not one per call.
 */

export type FetchFailureKind =
  | 'invalid-url'
  | 'scheme'
  | 'blocked-address'
  | 'dns'
  | 'connect'
  | 'tls'
  | 'timeout'
  | 'too-large'
  | 'http-status'
  | 'redirect'
  | 'network';

export type FetchOutcome =
  | { ok: true; url: string; body: Uint8Array; fromCache: boolean; expiresAt: number | null }
  | {
      ok: false;
      url: string;
      kind: FetchFailureKind;
      /** True when a retry later could succeed (network trouble), false when the answer is final. */
      transient: boolean;
      reason: string;
      status?: number;
      fromCache: boolean;
    };

export interface FetchRequestOptions {
  /** Overrides the fetcher's size cap for this request. */
  maxBytes?: number;
}

/** What a verifier needs from a fetcher; tests and embedders can supply their own. */
export interface CredentialFetcher {
  fetch(url: string, options?: FetchRequestOptions): Promise<FetchOutcome>;
}

export interface GuardedFetcherOptions {
  /** Allow `http:` URLs (default false: https only). */
  allowHttp?: boolean;
  /** Allow loopback, private, link-local and other non-public addresses (default false; for tests). */
  allowPrivateNetworks?: boolean;
  /** Deadline for DNS, connect, redirects and body together (default 2000 ms). */
  timeoutMs?: number;
  /** Largest body accepted (default 256 KiB). */
  maxBytes?: number;
  /** Redirects followed, each re-checked like the first URL (default 3). */
  maxRedirects?: number;
  /** Cache lifetime when the response has no caching headers (default 3600 s). */
  defaultTtlSeconds?: number;
  /** Upper bound on any cache lifetime (default 86400 s). */
  maxTtlSeconds?: number;
  /** How long a failure is remembered, so a dead x5u is not hammered (default 10 s; 0 disables). */
  failureTtlSeconds?: number;
  /** Cache entries kept, least recently used evicted first (default 1000). */
  maxEntries?: number;
  /** Clock for cache expiry, in milliseconds (default Date.now). */
  now?: () => number;
  /** Address resolution (default: the system resolver, all addresses). */
  lookup?: (hostname: string) => Promise<string[]>;
}

export interface GuardedFetcher extends CredentialFetcher {
  /** Drops every cached response. */
  clear(): void;
  readonly stats: { requests: number; cacheHits: number };
}

type Failure = Extract<FetchOutcome, { ok: false }>;

interface CacheEntry {
  outcome: FetchOutcome;
  expiresAt: number;
}

const USER_AGENT = 'hoptrace-shaken/0.1 (STIR/SHAKEN verifier)';

const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');

/**
 * Whether an address is on the public internet: what hoptrace may connect to on a stranger's word (x5u,
 * CRLs, webhook URLs). IPv4: outside every special range (loopback, private, link-local, CGNAT, reserved...).
 * An IPv4-mapped IPv6 address (::ffff:a.b.c.d, and any IPv6 written with a dotted IPv4 tail, as DNS answers
 * print them) is judged as the IPv4 address it carries. Other IPv6: only
 * global unicast (2000::/3, RFC 4291) outside its special ranges, which refuses the forms that carry or reach an
 * IPv4 address (IPv4-compatible ::a.b.c.d and ::7f00:1, NAT64 64:ff9b::/96, 6to4, Teredo) and the unrouted ones.
 */
export function isPublicAddress(address: string): boolean {
  return addressRange(address) === 'unicast';
}

/**
 * The range an address is in, as ipaddr.js names them (`unicast` is public; `loopback`, `private`,
 * `linkLocal`, `rfc6052`...), `nonGlobal` for IPv6 outside 2000::/3 (IPv4-compatible ::7f00:1 among them),
 * `invalid` for what is not an address.
 */
export function addressRange(address: string): string {
  if (typeof address !== 'string' || !ipaddr.isValid(address)) return 'invalid';
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.range();
  const v6 = parsed as ipaddr.IPv6;
  const range = v6.range();
  return range === 'unicast' && !v6.match(GLOBAL_UNICAST_V6) ? 'nonGlobal' : range;
}

async function systemLookup(hostname: string): Promise<string[]> {
  const answers = await dnsLookup(hostname, { all: true, verbatim: true });
  return answers.map((a) => a.address);
}

/** Seconds a response may be reused, from Cache-Control (max-age, no-store, no-cache) or Expires. */
export function cacheLifetimeSeconds(
  headers: IncomingHttpHeaders,
  nowMs: number,
  defaultTtl: number,
): number {
  const cacheControl = headers['cache-control'];
  if (cacheControl) {
    const directives = new Map<string, string>();
    for (const part of cacheControl.split(',')) {
      const [name = '', value = ''] = part.trim().split('=', 2);
      directives.set(name.trim().toLowerCase(), value.trim().replace(/^"|"$/g, ''));
    }
    if (directives.has('no-store') || directives.has('no-cache')) return 0;
    const maxAge = directives.get('max-age');
    if (maxAge !== undefined) {
      if (!/^\d+$/.test(maxAge)) return 0;
      const age = Number(headers.age ?? 0);
      return Math.max(0, Number(maxAge) - (Number.isFinite(age) ? age : 0));
    }
  }
  const expires = headers.expires;
  if (expires !== undefined) {
    const expiresAt = Date.parse(expires);
    if (Number.isNaN(expiresAt)) return 0; // RFC 9111 §5.3: an invalid Expires means already expired.
    const date = headers.date ? Date.parse(headers.date) : Number.NaN;
    const base = Number.isNaN(date) ? nowMs : date;
    return Math.max(0, Math.floor((expiresAt - base) / 1000));
  }
  return defaultTtl;
}

class DeadlineExceeded extends Error {}

export function createGuardedFetcher(options: GuardedFetcherOptions = {}): GuardedFetcher {
  const allowHttp = options.allowHttp ?? false;
  const allowPrivate = options.allowPrivateNetworks ?? false;
  const timeoutMs = options.timeoutMs ?? 2000;
  const defaultMaxBytes = options.maxBytes ?? 256 * 1024;
  const maxRedirects = options.maxRedirects ?? 3;
  const defaultTtl = options.defaultTtlSeconds ?? 3600;
  const maxTtl = options.maxTtlSeconds ?? 86_400;
  const failureTtl = options.failureTtlSeconds ?? 10;
  const maxEntries = options.maxEntries ?? 1000;
  const now = options.now ?? Date.now;
  const lookup = options.lookup ?? systemLookup;

  const cache = new Map<string, CacheEntry>();
  const inFlight = new Map<string, Promise<FetchOutcome>>();
  const stats = { requests: 0, cacheHits: 0 };

  function remember(url: string, outcome: FetchOutcome, ttlSeconds: number): void {
    if (ttlSeconds <= 0) return;
    cache.delete(url);
    cache.set(url, { outcome, expiresAt: now() + Math.min(ttlSeconds, maxTtl) * 1000 });
    while (cache.size > maxEntries) {
      const oldest = cache.keys().next();
      if (oldest.done) break;
      cache.delete(oldest.value);
    }
  }

  const failure = (
    url: string,
    kind: FetchFailureKind,
    reason: string,
    transient: boolean,
    status?: number,
  ): Failure => ({
    ok: false,
    url,
    kind,
    transient,
    reason,
    fromCache: false,
    ...(status === undefined ? {} : { status }),
  });

  async function resolveChecked(
    url: URL,
    signal: AbortSignal,
  ): Promise<{ address: string; family: 4 | 6 } | Failure> {
    const href = url.href;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    let addresses: string[];
    if (isIP(host) !== 0) {
      addresses = [host];
    } else {
      try {
        addresses = await raceAbort(lookup(host), signal);
      } catch (error) {
        if (error instanceof DeadlineExceeded)
          return failure(href, 'timeout', `no answer within ${timeoutMs} ms`, true);
        return failure(href, 'dns', `cannot resolve ${host}`, true);
      }
    }
    if (addresses.length === 0) return failure(href, 'dns', `${host} has no addresses`, true);
    if (!allowPrivate) {
      const blocked = addresses.find((a) => !isPublicAddress(a));
      if (blocked !== undefined) {
        return failure(
          href,
          'blocked-address',
          `${host} resolves to ${blocked}, a non-public address`,
          false,
        );
      }
    }
    const address = addresses[0] as string;
    return { address, family: isIP(address) === 6 ? 6 : 4 };
  }

  async function requestOnce(
    url: URL,
    signal: AbortSignal,
    maxBytes: number,
  ): Promise<
    { response: IncomingMessage; body: Uint8Array } | { redirect: string; status: number } | Failure
  > {
    const href = url.href;
    const resolved = await resolveChecked(url, signal);
    if ('ok' in resolved) return resolved;
    const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
      if (lookupOptions.all) {
        (callback as unknown as (err: null, addresses: { address: string; family: number }[]) => void)(null, [
          resolved,
        ]);
      } else {
        callback(null, resolved.address, resolved.family);
      }
    };
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve) => {
      const request = transport.request(
        url,
        {
          method: 'GET',
          agent: false,
          lookup: pinned,
          signal,
          headers: {
            accept: 'application/pkix-cert, application/x-pem-file, application/pkix-crl, */*',
            'user-agent': USER_AGENT,
          },
        },
        (response) => {
          const status = response.statusCode ?? 0;
          if (status >= 300 && status < 400 && response.headers.location) {
            response.resume();
            resolve({ redirect: response.headers.location, status });
            return;
          }
          if (status !== 200) {
            response.resume();
            resolve(
              failure(
                href,
                'http-status',
                `HTTP ${status}`,
                status >= 500 || status === 429 || status === 408,
                status,
              ),
            );
            return;
          }
          const declared = Number(response.headers['content-length']);
          if (Number.isFinite(declared) && declared > maxBytes) {
            response.destroy();
            resolve(
              failure(
                href,
                'too-large',
                `the response is ${declared} bytes, over the ${maxBytes}-byte cap`,
                false,
              ),
            );
            return;
          }
          const chunks: Buffer[] = [];
          let total = 0;
          response.on('data', (chunk: Buffer) => {
            total += chunk.length;
            if (total > maxBytes) {
              response.destroy();
              resolve(failure(href, 'too-large', `the response exceeds the ${maxBytes}-byte cap`, false));
              return;
            }
            chunks.push(chunk);
          });
          response.on('end', () => resolve({ response, body: new Uint8Array(Buffer.concat(chunks)) }));
          response.on('error', (error) => resolve(classifyError(href, error, signal)));
        },
      );
      request.on('error', (error) => resolve(classifyError(href, error, signal)));
      request.end();
    });
  }

  function classifyError(href: string, error: Error, signal: AbortSignal): Failure {
    if (signal.aborted) return failure(href, 'timeout', `no complete answer within ${timeoutMs} ms`, true);
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (/^(ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|EPIPE|ETIMEDOUT)$/.test(code)) {
      return failure(href, 'connect', `${code} connecting to ${new URL(href).host}`, true);
    }
    if (/CERT|SSL|TLS|SELF_SIGNED/i.test(code)) return failure(href, 'tls', `TLS failure: ${code}`, false);
    return failure(href, 'network', `${code || error.message}`, true);
  }

  async function fetchUncached(href: string, maxBytes: number): Promise<FetchOutcome> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DeadlineExceeded('deadline')), timeoutMs);
    try {
      let current = href;
      for (let hop = 0; ; hop++) {
        let url: URL;
        try {
          url = new URL(current);
        } catch {
          return failure(current, 'invalid-url', 'not an absolute URL', false);
        }
        if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) {
          return failure(
            current,
            'scheme',
            `${url.protocol} URLs are not fetched (https only${allowHttp ? ' or http' : ''})`,
            false,
          );
        }
        if (url.username || url.password)
          return failure(current, 'invalid-url', 'URLs with credentials are refused', false);
        stats.requests++;
        const outcome = await requestOnce(url, controller.signal, maxBytes);
        if ('redirect' in outcome) {
          if (hop >= maxRedirects)
            return failure(href, 'redirect', `more than ${maxRedirects} redirects`, false);
          current = new URL(outcome.redirect, url).href;
          continue;
        }
        if ('ok' in outcome) return { ...outcome, url: href };
        const ttl = cacheLifetimeSeconds(outcome.response.headers, now(), defaultTtl);
        const success: FetchOutcome = {
          ok: true,
          url: href,
          body: outcome.body,
          fromCache: false,
          expiresAt: ttl > 0 ? now() + Math.min(ttl, maxTtl) * 1000 : null,
        };
        remember(href, success, ttl);
        return success;
      }
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    stats,
    clear() {
      cache.clear();
    },
    fetch(url, requestOptions = {}) {
      const maxBytes = requestOptions.maxBytes ?? defaultMaxBytes;
      const cached = cache.get(url);
      if (cached && cached.expiresAt > now()) {
        stats.cacheHits++;
        cache.delete(url);
        cache.set(url, cached);
        const { outcome } = cached;
        if (outcome.ok && outcome.body.length > maxBytes) {
          return Promise.resolve(
            failure(url, 'too-large', `the response exceeds the ${maxBytes}-byte cap`, false),
          );
        }
        return Promise.resolve({ ...outcome, fromCache: true });
      }
      if (cached) cache.delete(url);
      const pending = inFlight.get(url);
      if (pending) return pending;
      const promise = fetchUncached(url, maxBytes)
        .catch((error: unknown): FetchOutcome =>
          failure(url, 'network', error instanceof Error ? error.message : String(error), true),
        )
        .then((outcome) => {
          if (!outcome.ok) remember(url, outcome, failureTtl);
          return outcome;
        })
        .finally(() => inFlight.delete(url));
      inFlight.set(url, promise);
      return promise;
    },
  };
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new DeadlineExceeded('deadline'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new DeadlineExceeded('deadline'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
