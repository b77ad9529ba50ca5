import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cacheLifetimeSeconds,
  createGuardedFetcher,
  isPublicAddress,
  type FetchOutcome,
  type GuardedFetcherOptions,
} from './fetcher';
import { startLoopbackServer, type LoopbackServer } from './testing/loopback-server';

let server: LoopbackServer;

beforeAll(async () => {
  server = await startLoopbackServer();
});

afterAll(async () => {
  await server.close();
});

const loopback: GuardedFetcherOptions = { allowHttp: true, allowPrivateNetworks: true, timeoutMs: 1000 };

function failure(outcome: FetchOutcome) {
  if (outcome.ok) throw new Error('expected a failure');
  return outcome;
}

describe('address guard', () => {
  it.each([
    ['8.8.8.8', true],
    ['2606:4700:4700::1111', true],
    ['127.0.0.1', false],
    ['10.1.2.3', false],
    ['172.31.16.15', false],
    ['192.168.0.1', false],
    ['169.254.169.254', false],
    ['100.64.0.1', false],
    ['0.0.0.0', false],
    ['224.0.0.1', false],
    ['::1', false],
    ['fe80::1', false],
    ['fd00::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:8.8.8.8', true],
    // IPv4-compatible (deprecated) and other IPv6 forms that carry or reach an IPv4 address.
    ['::127.0.0.1', false],
    ['::7f00:1', false],
    ['::10.0.0.1', false],
    // Written dotted, an embedded IPv4 address is judged as that address (ipaddr.js reads it as mapped).
    ['::8.8.8.8', true],
    ['::ffff:7f00:1', false],
    ['::ffff:0:127.0.0.1', false],
    ['64:ff9b::127.0.0.1', false],
    ['64:ff9b::7f00:1', false],
    ['64:ff9b:1::a00:1', false],
    ['2002:7f00:1::1', false],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', false],
    ['2001:db8::1', false],
    ['::', false],
    ['100::1', false],
    ['fec0::1', false],
    ['ff02::1', false],
    ['2a00:1450:4001:80b::200e', true],
    ['not-an-ip', false],
  ])('%s public=%s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });

  it('refuses loopback and private IP literals by default', async () => {
    const fetcher = createGuardedFetcher({ allowHttp: true });
    server.route('/x.pem', { body: 'x' });
    const outcome = failure(await fetcher.fetch(server.url('/x.pem')));
    expect(outcome).toMatchObject({ kind: 'blocked-address', transient: false });
    expect(server.hits('/x.pem')).toBe(0);
    for (const url of [
      'https://10.0.0.1/x',
      'https://[::1]/x',
      'https://169.254.169.254/latest/meta-data',
      'https://0x7f.1/x',
      'https://[::127.0.0.1]/x',
      'https://[::7f00:1]/x',
      'https://[::ffff:127.0.0.1]/x',
      'https://[64:ff9b::127.0.0.1]/x',
    ]) {
      expect(failure(await fetcher.fetch(url)).kind, url).toBe('blocked-address');
    }
  });

  it('resolves hostnames and checks every address, not the name', async () => {
    const resolvesTo = (addresses: string[]) =>
      createGuardedFetcher({ lookup: () => Promise.resolve(addresses) });
    expect(failure(await resolvesTo(['10.0.0.5']).fetch('https://cr.example.com/sp.pem')).reason).toContain(
      '10.0.0.5',
    );
    expect(
      failure(await resolvesTo(['93.184.216.34', '127.0.0.1']).fetch('https://cr.example.com/sp.pem')).kind,
    ).toBe('blocked-address');
    // The system resolver: localhost is a hostname, but it resolves to loopback.
    expect(
      failure(
        await createGuardedFetcher({ allowHttp: true }).fetch(
          `http://localhost:${new URL(server.origin).port}/x.pem`,
        ),
      ).kind,
    ).toBe('blocked-address');
  });

  it('connects to the address it checked (no second DNS lookup)', async () => {
    server.route('/pinned.pem', { body: 'pinned' });
    let lookups = 0;
    const fetcher = createGuardedFetcher({
      ...loopback,
      lookup: () => {
        lookups++;
        return Promise.resolve(['127.0.0.1']);
      },
    });
    const outcome = await fetcher.fetch(`http://sti-cr.test:${new URL(server.origin).port}/pinned.pem`);
    expect(outcome.ok && Buffer.from(outcome.body).toString()).toBe('pinned');
    expect(lookups).toBe(1);
  });

  it('fetches https only unless http is allowed, and never other schemes or credentials', async () => {
    const fetcher = createGuardedFetcher({ allowPrivateNetworks: true });
    expect(failure(await fetcher.fetch(server.url('/x.pem'))).kind).toBe('scheme');
    expect(failure(await fetcher.fetch('file:///etc/passwd')).kind).toBe('scheme');
    expect(failure(await fetcher.fetch('ftp://example.com/x')).kind).toBe('scheme');
    expect(failure(await fetcher.fetch('https://user:pw@example.com/x')).kind).toBe('invalid-url');
    expect(failure(await fetcher.fetch('not a url')).kind).toBe('invalid-url');
  });
});

describe('HTTP outcomes', () => {
  it('returns the body of a 200', async () => {
    server.route('/ok.pem', { body: 'certificate' });
    const outcome = await createGuardedFetcher(loopback).fetch(server.url('/ok.pem'));
    expect(outcome.ok && Buffer.from(outcome.body).toString()).toBe('certificate');
  });

  it('treats 4xx as final and 5xx as transient', async () => {
    server.route('/gone.pem', { status: 410 });
    server.route('/busy.pem', { status: 503 });
    const fetcher = createGuardedFetcher(loopback);
    expect(failure(await fetcher.fetch(server.url('/gone.pem')))).toMatchObject({
      kind: 'http-status',
      status: 410,
      transient: false,
    });
    expect(failure(await fetcher.fetch(server.url('/busy.pem')))).toMatchObject({
      kind: 'http-status',
      status: 503,
      transient: true,
    });
    expect(failure(await fetcher.fetch(server.url('/nothing-here.pem')))).toMatchObject({
      status: 404,
      transient: false,
    });
  });

  it('enforces the size cap, declared or streamed', async () => {
    server.route('/big.pem', { body: 'x'.repeat(5000) });
    server.route('/stream.pem', { streamBytes: 200_000 });
    const fetcher = createGuardedFetcher({ ...loopback, maxBytes: 4096 });
    expect(failure(await fetcher.fetch(server.url('/big.pem')))).toMatchObject({
      kind: 'too-large',
      transient: false,
    });
    expect(failure(await fetcher.fetch(server.url('/stream.pem'))).kind).toBe('too-large');
    expect(
      (await createGuardedFetcher(loopback).fetch(server.url('/big.pem'), { maxBytes: 10_000 })).ok,
    ).toBe(true);
  });

  it('gives up after the deadline on a host that never answers', async () => {
    server.route('/hang.pem', { hang: true });
    const started = Date.now();
    const outcome = failure(
      await createGuardedFetcher({ ...loopback, timeoutMs: 150 }).fetch(server.url('/hang.pem')),
    );
    expect(outcome).toMatchObject({ kind: 'timeout', transient: true });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('reports a refused connection as transient', async () => {
    const closed = await startLoopbackServer();
    const url = closed.url('/x.pem');
    await closed.close();
    expect(failure(await createGuardedFetcher(loopback).fetch(url))).toMatchObject({
      kind: 'connect',
      transient: true,
    });
  });

  it('follows a few redirects, re-checking each target', async () => {
    server.route('/hop1.pem', { status: 302, headers: { location: '/hop2.pem' } });
    server.route('/hop2.pem', { status: 301, headers: { location: server.url('/ok.pem') } });
    server.route('/to-file.pem', { status: 302, headers: { location: 'file:///etc/passwd' } });
    server.route('/loop.pem', { status: 302, headers: { location: '/loop.pem' } });
    const fetcher = createGuardedFetcher(loopback);
    const followed = await fetcher.fetch(server.url('/hop1.pem'));
    expect(followed.ok && Buffer.from(followed.body).toString()).toBe('certificate');
    expect(failure(await fetcher.fetch(server.url('/to-file.pem'))).kind).toBe('scheme');
    expect(failure(await fetcher.fetch(server.url('/loop.pem'))).kind).toBe('redirect');
  });
});

describe('cache', () => {
  it('honours max-age, then refetches', async () => {
    let now = 1_000_000;
    server.route('/max-age.pem', { body: 'a', headers: { 'cache-control': 'public, max-age=60' } });
    const fetcher = createGuardedFetcher({ ...loopback, now: () => now });
    const first = await fetcher.fetch(server.url('/max-age.pem'));
    const second = await fetcher.fetch(server.url('/max-age.pem'));
    expect(first.ok && !first.fromCache).toBe(true);
    expect(second.ok && second.fromCache).toBe(true);
    expect(second.ok && first.ok && second.body).toBe(first.ok ? first.body : null);
    expect(server.hits('/max-age.pem')).toBe(1);
    now += 61_000;
    await fetcher.fetch(server.url('/max-age.pem'));
    expect(server.hits('/max-age.pem')).toBe(2);
  });

  it('never stores no-store or no-cache responses', async () => {
    server.route('/no-store.pem', { body: 'a', headers: { 'cache-control': 'no-store' } });
    server.route('/no-cache.pem', { body: 'a', headers: { 'cache-control': 'no-cache, max-age=600' } });
    const fetcher = createGuardedFetcher(loopback);
    for (let i = 0; i < 3; i++) {
      await fetcher.fetch(server.url('/no-store.pem'));
      await fetcher.fetch(server.url('/no-cache.pem'));
    }
    expect(server.hits('/no-store.pem')).toBe(3);
    expect(server.hits('/no-cache.pem')).toBe(3);
  });

  it('honours Expires relative to Date', async () => {
    const date = new Date('2026-01-01T00:00:00Z');
    server.route('/expires.pem', {
      body: 'a',
      headers: { date: date.toUTCString(), expires: new Date(date.getTime() + 120_000).toUTCString() },
    });
    let now = 5_000_000;
    const fetcher = createGuardedFetcher({ ...loopback, now: () => now });
    await fetcher.fetch(server.url('/expires.pem'));
    now += 119_000;
    await fetcher.fetch(server.url('/expires.pem'));
    expect(server.hits('/expires.pem')).toBe(1);
    now += 2_000;
    await fetcher.fetch(server.url('/expires.pem'));
    expect(server.hits('/expires.pem')).toBe(2);
  });

  it('coalesces concurrent fetches of one URL and remembers failures briefly', async () => {
    server.route('/slow.pem', { body: 'a', headers: { 'cache-control': 'max-age=60' } });
    const fetcher = createGuardedFetcher(loopback);
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () => fetcher.fetch(server.url('/slow.pem'))),
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(server.hits('/slow.pem')).toBe(1);
    await fetcher.fetch(server.url('/absent.pem'));
    const again = failure(await fetcher.fetch(server.url('/absent.pem')));
    expect(again.fromCache).toBe(true);
    expect(server.hits('/absent.pem')).toBe(1);
  });

  it('evicts the least recently used entry past maxEntries', async () => {
    for (const name of ['a', 'b', 'c']) server.route(`/lru-${name}.pem`, { body: name });
    const fetcher = createGuardedFetcher({ ...loopback, maxEntries: 2 });
    await fetcher.fetch(server.url('/lru-a.pem'));
    await fetcher.fetch(server.url('/lru-b.pem'));
    await fetcher.fetch(server.url('/lru-a.pem'));
    await fetcher.fetch(server.url('/lru-c.pem'));
    await fetcher.fetch(server.url('/lru-a.pem'));
    await fetcher.fetch(server.url('/lru-b.pem'));
    expect([server.hits('/lru-a.pem'), server.hits('/lru-b.pem'), server.hits('/lru-c.pem')]).toEqual([
      1, 2, 1,
    ]);
  });
});

describe('cacheLifetimeSeconds', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it.each([
    [{}, 3600],
    [{ 'cache-control': 'max-age=300' }, 300],
    [{ 'cache-control': 'max-age=300', age: '100' }, 200],
    [{ 'cache-control': 'max-age="90"' }, 90],
    [{ 'cache-control': 'max-age=abc' }, 0],
    [{ 'cache-control': 'private, no-store' }, 0],
    [{ 'cache-control': 'no-cache' }, 0],
    [{ 'cache-control': 'max-age=10', expires: 'Thu, 01 Jan 2026 01:00:00 GMT' }, 10],
    [{ expires: 'Thu, 01 Jan 2026 00:10:00 GMT' }, 600],
    [{ expires: 'Thu, 01 Jan 2026 00:10:00 GMT', date: 'Wed, 31 Dec 2025 23:50:00 GMT' }, 1200],
    [{ expires: '0' }, 0],
    [{ expires: 'Wed, 31 Dec 2025 00:00:00 GMT' }, 0],
  ])('%j → %d s', (headers, expected) => {
    expect(cacheLifetimeSeconds(headers, now, 3600)).toBe(expected);
  });
});
