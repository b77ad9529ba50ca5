import { createHmac, timingSafeEqual } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { addressRange } from '@hoptrace/shaken';

export const SIGNATURE_HEADER = 'hoptrace-signature';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the timestamp is signed, so a captured request cannot be replayed later. */
export function signWebhook(secret: string, body: string, at: Date): string {
  const t = Math.floor(at.getTime() / 1000);
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${v1}`;
}

/** For receivers (and our tests): checks the signature and that it is at most `toleranceSeconds` old. */
export function verifyWebhookSignature(
  secret: string,
  body: string,
  header: string,
  now: Date,
  toleranceSeconds = 300,
): boolean {
  const parts = Object.fromEntries(header.split(',').map((kv) => kv.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1 || Math.abs(now.getTime() / 1000 - t) > toleranceSeconds)
    return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface WebhookPolicy {
  allowHttp: boolean;
  /** Deliver to loopback, private and other non-public addresses too (tests, a closed network). */
  allowPrivateNetworks: boolean;
}

/** Resolves a host name to every address it has (default: the system resolver). */
export type WebhookResolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

const systemResolver: WebhookResolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

/** Where a delivery may go: the URL and the addresses checked for it, which the connection is pinned to. */
export interface WebhookTarget {
  url: URL;
  addresses: Array<{ address: string; family: number }>;
}

/**
 * Ports of other protocols (the Fetch standard's "bad ports"): a POST there could talk to a mail, shell or
 * name server (cross-protocol requests). fetch() refused them; delivery over node:http keeps the rule.
 */
const BAD_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104,
  109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515,
  526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049,
  3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

function parseWebhookUrl(raw: string, policy: WebhookPolicy): URL | string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'https:' && !(policy.allowHttp && url.protocol === 'http:'))
    return 'must be an https:// URL';
  if (url.username || url.password) return 'must not carry credentials';
  if (url.port && BAD_PORTS.has(Number(url.port)))
    return `must not use port ${url.port}, which belongs to another protocol`;
  return url;
}

/**
 * Resolves a webhook URL's host once and checks every address it has (IPv6 forms of IPv4 addresses
 * included, see `addressRange` in @hoptrace/shaken); the delivery then connects to these addresses only, so a second DNS
 * answer (rebinding) cannot send it elsewhere.
 */
export async function resolveWebhookTarget(
  raw: string,
  policy: WebhookPolicy,
  resolve: WebhookResolver = systemResolver,
): Promise<WebhookTarget | { refused: string }> {
  const url = parseWebhookUrl(raw, policy);
  if (typeof url === 'string') return { refused: url };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: Array<{ address: string; family: number }>;
  try {
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await resolve(host);
  } catch {
    return { refused: 'has a host name that does not resolve' };
  }
  if (addresses.length === 0) return { refused: 'has a host name that does not resolve' };
  if (!policy.allowPrivateNetworks)
    for (const { address } of addresses) {
      const range = addressRange(address);
      if (range !== 'unicast')
        return { refused: `resolves to a ${range} address (${address}), which may not receive webhooks` };
    }
  return { url, addresses };
}

/** Why a URL may not receive webhooks, or null. Checked when registered and again at each delivery (DNS can change). */
export async function refuseWebhookUrl(
  raw: string,
  policy: WebhookPolicy,
  resolve?: WebhookResolver,
): Promise<string | null> {
  if (policy.allowPrivateNetworks) {
    // A closed network's names may not resolve where the API runs; the delivery resolves and pins them.
    const url = parseWebhookUrl(raw, policy);
    return typeof url === 'string' ? url : null;
  }
  const target = await resolveWebhookTarget(raw, policy, resolve);
  return 'refused' in target ? target.refused : null;
}

export interface DeliveryOutcome {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/**
 * POSTs one webhook: the URL is resolved and checked once, and the connection goes to a checked address
 * (a `lookup` pinned to them), while the Host header and TLS server name (SNI, certificate check) stay the
 * URL's name. Redirects are not followed. Never throws.
 */
export async function deliverWebhook(opts: {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  policy: WebhookPolicy;
  /** Address resolution (default: the system resolver); tests give names that resolve where they say. */
  resolve?: WebhookResolver;
}): Promise<DeliveryOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const signal = AbortSignal.timeout(opts.timeoutMs);
  const timedOut = new Promise<{ refused: string }>((resolve) =>
    signal.addEventListener(
      'abort',
      () => resolve({ refused: `did not resolve within ${opts.timeoutMs} ms` }),
      {
        once: true,
      },
    ),
  );
  const target = await Promise.race([resolveWebhookTarget(opts.url, opts.policy, opts.resolve), timedOut]);
  if ('refused' in target)
    return { ok: false, statusCode: null, error: `URL ${target.refused}`, durationMs: 0 };
  const { url, addresses } = target;
  const first = addresses[0]!;
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if (options.all) (callback as (err: null, all: typeof addresses) => void)(null, addresses);
    else callback(null, first.address, first.family);
  };
  const body = Buffer.from(opts.body, 'utf8');
  return new Promise<DeliveryOutcome>((resolve) => {
    const request = (url.protocol === 'https:' ? https : http).request(
      url,
      {
        method: 'POST',
        agent: false,
        lookup: pinned,
        signal,
        headers: {
          'content-type': 'application/json',
          'content-length': String(body.length),
          'user-agent': 'hoptrace-webhooks/1',
          ...opts.headers,
        },
      },
      (res) => {
        // Only the status matters; the body is discarded.
        res.resume();
        const status = res.statusCode ?? 0;
        const ok = status >= 200 && status < 300;
        resolve({
          ok,
          statusCode: status,
          error: ok ? null : `answered HTTP ${status}`,
          durationMs: elapsed(),
        });
      },
    );
    request.on('error', (err: NodeJS.ErrnoException) => {
      const error = signal.aborted ? `no answer within ${opts.timeoutMs} ms` : (err.code ?? err.message);
      resolve({ ok: false, statusCode: null, error, durationMs: elapsed() });
    });
    request.end(body);
  });
}
