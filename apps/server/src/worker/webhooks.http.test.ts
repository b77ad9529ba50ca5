import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, expectProblem, type Harness } from '../testing/harness';
import { startReceiver } from '../testing/receiver';
import { deliverWebhook, refuseWebhookUrl, type WebhookPolicy, type WebhookResolver } from './webhooks';

/**
 * Webhook URLs come from providers: they must not reach the server's own network, whether written as an
 * IPv6 form of an IPv4 address or through a name whose DNS answer changes after the check (rebinding).
 * Deliveries go to a real local HTTP receiver.
 */

const STRICT: WebhookPolicy = { allowHttp: true, allowPrivateNetworks: false };
/** What the webhook tests use to deliver to a local receiver: the explicit allowance. */
const LOCAL: WebhookPolicy = { allowHttp: true, allowPrivateNetworks: true };

const LOOPBACK_IN_DISGUISE = [
  'https://[::127.0.0.1]/hook',
  'https://[::7f00:1]/hook',
  'https://[::ffff:127.0.0.1]/hook',
  'https://[::ffff:7f00:1]/hook',
  'https://[0:0:0:0:0:ffff:7f00:1]/hook',
  'https://[::ffff:0:7f00:1]/hook',
  'https://[64:ff9b::7f00:1]/hook',
  'https://[64:ff9b::127.0.0.1]/hook',
  'https://[::10.0.0.1]/hook',
  'https://[::a9fe:a9fe]/hook',
  'https://[2002:7f00:1::1]/hook',
  'https://[fd00::1]/hook',
  'https://[::1]/hook',
  'https://[::]/hook',
  'https://0x7f.1/hook',
  'https://2130706433/hook',
];

let receiver: Awaited<ReturnType<typeof startReceiver>>;
let port: number;
beforeAll(async () => {
  receiver = await startReceiver();
  port = Number(new URL(receiver.url('/')).port);
});
afterAll(() => receiver.close());

const deliver = (url: string, policy: WebhookPolicy, resolve?: WebhookResolver) =>
  deliverWebhook({ url, body: '{"event":"test"}', headers: {}, timeoutMs: 2000, policy, resolve });

describe('the address check', () => {
  it('refuses every IPv6 (and numeric IPv4) form of a loopback or private address', async () => {
    for (const url of LOOPBACK_IN_DISGUISE)
      expect(await refuseWebhookUrl(url, STRICT), url).toMatch(/resolves to/);
    expect(await refuseWebhookUrl('https://[2606:4700:4700::1111]/hook', STRICT)).toBeNull();
  });

  it('refuses them at delivery too, without connecting', async () => {
    const before = receiver.received.length;
    for (const url of LOOPBACK_IN_DISGUISE) {
      const outcome = await deliver(url.replace('https:', 'http:').replace('/hook', `:${port}/hook`), STRICT);
      expect(outcome, url).toMatchObject({ ok: false, statusCode: null });
      expect(outcome.error, url).toMatch(/^URL resolves to/);
    }
    expect(receiver.received.length).toBe(before);
  });

  it('refuses at delivery a host name that resolves to 127.0.0.1 (the system resolver: localhost)', async () => {
    const before = receiver.received.length;
    const outcome = await deliver(`http://localhost:${port}/named`, STRICT);
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toMatch(/^URL resolves to a loopback address/);
    expect(receiver.received.length).toBe(before);
    // A name registered while it resolved to a public address, whose answer is now 127.0.0.1.
    const rebound = await deliver(`http://hooks.provider.test:${port}/named`, STRICT, () =>
      Promise.resolve([{ address: '127.0.0.1', family: 4 }]),
    );
    expect(rebound.error).toMatch(/^URL resolves to a loopback address \(127\.0\.0\.1\)/);
    expect(receiver.received.length).toBe(before);
  });
});

describe('delivery connects to the address it checked', () => {
  it('resolves once and connects there, keeping the name in the Host header', async () => {
    // No resolver but this one knows hooks.provider.test (.test never resolves in DNS): a delivery that
    // looked the name up again, as fetch() did, could not connect at all.
    let lookups = 0;
    const resolve: WebhookResolver = () => {
      lookups++;
      return Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
    };
    const outcome = await deliver(`http://hooks.provider.test:${port}/pinned`, LOCAL, resolve);
    expect(outcome).toMatchObject({ ok: true, statusCode: 200, error: null });
    expect(lookups).toBe(1);
    const got = receiver.received.find((r) => r.path === '/pinned');
    expect(got?.headers.host).toBe(`hooks.provider.test:${port}`);
    expect(got?.body).toBe('{"event":"test"}');
  });

  it('reports a refused connection, an error status and a timeout as before', async () => {
    receiver.behaviour.set('/500', 500);
    receiver.behaviour.set('/hang', 'hang');
    expect(await deliver(receiver.url('/500'), LOCAL)).toMatchObject({
      ok: false,
      error: 'answered HTTP 500',
    });
    const hang = await deliverWebhook({
      url: receiver.url('/hang'),
      body: '{}',
      headers: {},
      timeoutMs: 300,
      policy: LOCAL,
    });
    expect(hang).toMatchObject({ ok: false, error: 'no answer within 300 ms' });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const { port: closedPort } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await deliver(`http://127.0.0.1:${closedPort}/closed`, LOCAL)).toMatchObject({
      ok: false,
      error: 'ECONNREFUSED',
    });
    // Ports of other protocols (mail, ssh) are refused before any connection, as fetch() did.
    expect(await deliver('http://127.0.0.1:25/smtp', LOCAL)).toMatchObject({
      ok: false,
      error: 'URL must not use port 25, which belongs to another protocol',
    });
  });
});

describe('registering a webhook', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());

  it('refuses an IPv4-compatible or mapped IPv6 URL with 400 at url', async () => {
    const p = await h.provider();
    for (const url of [
      'https://[::127.0.0.1]/x',
      'https://[::7f00:1]/x',
      'https://[::ffff:169.254.169.254]/x',
    ]) {
      const res = await p.user.post(`/api/v1/providers/${p.id}/webhooks`, { url });
      expectProblem(res, 400, ['url']);
    }
  });
});
