import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  buildIdentityHeader,
  createTestPki,
  createVerifier,
  issueTestCertificate,
  lintShakenCertificate,
  parseTrustStore,
  signPassport,
  ShakenPolicy,
} from '@hoptrace/shaken';
import type { BenchResult } from '../lib/types';

/**
 * STIR/SHAKEN verification throughput on one core with a warm certificate cache: every iteration
 * is a full verifyIdentity (header parse, PASSporT decode, claims and freshness, certificate and
 * CRL from the cache, chain/profile results from the credential cache, ES256 signature) of a
 * header signed just before the timed loop. The certificate chain and the STI-PA CRL are served
 * by a loopback HTTP server started here.
 */
export async function run(opts: { quick: boolean }): Promise<BenchResult[]> {
  return [...lintBench(opts), ...(await verifyBench(opts))];
}

/**
 * Certificate linting (`lintShakenCertificate`, PEM in, every rule): distinct leaf certificates,
 * each linted once (parse + rules, nothing cached), then the same set again (the verifier sees
 * the same few certificates over and over).
 */
function lintBench(opts: { quick: boolean }): BenchResult[] {
  const count = opts.quick ? 1_000 : 5_000;
  const pki = createTestPki({ spc: '1234', crlUrl: 'https://sti-pa.example/crl' });
  const pems = Array.from(
    { length: count + 200 },
    (_, i) =>
      issueTestCertificate({
        subject: {
          country: 'US',
          organization: `SP ${i}`,
          commonName: `SHAKEN ${1000 + i}`,
          serialNumber: `${1000 + i}`,
        },
        issuer: pki.intermediate,
        ca: false,
        keyUsage: ['digitalSignature'],
        policies: [ShakenPolicy.v1_3],
        crl: { url: pki.crlUrl, issuerName: pki.crlSigner.name },
        spc: `${1000 + i}`,
      }).pem,
  );
  // Warm up the JIT on certificates the timed loop does not see.
  for (const pem of pems.slice(count)) lintShakenCertificate(pem);
  const timed = pems.slice(0, count);
  const lintAll = (pems: string[]) => {
    const started = performance.now();
    for (const pem of pems) {
      const result = lintShakenCertificate(pem);
      if (!result.parsed || !result.passed) throw new Error('a test certificate failed the profile');
    }
    return (performance.now() - started) / pems.length;
  };
  const coldMs = lintAll(timed);
  // Fewer than the linter's cache holds (1,024).
  const againMs = lintAll(timed.slice(0, 500));
  return [
    {
      name: 'shaken.lint.per_certificate',
      value: Math.round(coldMs * 1000),
      unit: 'µs',
      target: '<= 270',
      notes: `${count} distinct leaf certificates, PEM, each linted once (parse + every rule)`,
    },
    {
      name: 'shaken.lint.per_certificate_seen_before',
      value: Math.round(againMs * 1000),
      unit: 'µs',
      notes: "500 of them linted again (results cached by the DER's SHA-256)",
    },
  ];
}

async function verifyBench(opts: { quick: boolean }): Promise<BenchResult[]> {
  const count = opts.quick ? 3_000 : 20_000;
  // Untimed calls first, so the measurement sees optimised code rather than the JIT warming up.
  const warmUpCount = Math.max(300, Math.floor(count / 10));
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const pki = createTestPki({ spc: '1234', crlUrl: `${origin}/sti-pa.crl` });
  const crl = pki.createCrl().der;
  server.on('request', (request, response) => {
    const body = request.url === '/sp.pem' ? pki.chainPem : request.url === '/sti-pa.crl' ? crl : null;
    if (body === null) return response.writeHead(404).end();
    response.writeHead(200, { 'cache-control': 'max-age=3600' }).end(body);
  });

  try {
    const trust = parseTrustStore({ anchors: pki.root.pem, crlSigners: pki.crlSigner.pem });
    if (!trust.ok) throw new Error(trust.reason);
    const verifier = createVerifier({
      trust: trust.store,
      fetch: { allowHttp: true, allowPrivateNetworks: true },
    });
    const x5u = `${origin}/sp.pem`;
    const iat = Math.floor(Date.now() / 1000);
    const headers = Array.from({ length: count + warmUpCount }, (_, i) =>
      buildIdentityHeader(
        signPassport({
          privateKey: pki.leaf.privateKey,
          x5u,
          attest: 'A',
          origTn: '12025550143',
          destTns: [String(13035550000 + (i % 100))],
          iat,
        }),
        { info: x5u },
      ),
    );

    const coldStart = performance.now();
    const warmUp = await verifier.verifyIdentity({ identity: headers[0] ?? '', callTime: new Date() });
    const coldMs = performance.now() - coldStart;
    if (!warmUp.ok) throw new Error(`warm-up verification failed: ${JSON.stringify(warmUp.problems)}`);
    for (let i = count; i < count + warmUpCount; i++) {
      await verifier.verifyIdentity({
        identity: headers[i] ?? '',
        callTime: new Date(),
        orig: '12025550143',
      });
    }

    const latencies = new Float64Array(count);
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      const result = await verifier.verifyIdentity({
        identity: headers[i] ?? '',
        callTime: new Date(),
        orig: '12025550143',
      });
      latencies[i] = performance.now() - t0;
      if (!result.ok) throw new Error(`verification ${i} failed: ${JSON.stringify(result.problems)}`);
    }
    const elapsedMs = performance.now() - started;
    latencies.sort();
    const percentile = (p: number) => (latencies[Math.min(count - 1, Math.floor(p * count))] ?? 0) * 1000;

    return [
      {
        name: 'shaken.verify.warm_cache_throughput',
        value: Math.round((count / elapsedMs) * 1000),
        unit: 'verifications/s',
        target: '>= 5000',
        notes: `${count} full verifyIdentity calls on one core, certificate + CRL cached`,
      },
      { name: 'shaken.verify.warm_cache_p50', value: Math.round(percentile(0.5)), unit: 'µs' },
      { name: 'shaken.verify.warm_cache_p99', value: Math.round(percentile(0.99)), unit: 'µs' },
      {
        name: 'shaken.verify.cold',
        value: Math.round(coldMs * 10) / 10,
        unit: 'ms',
        notes: 'first call: fetch x5u and CRL over loopback, build chain, lint profile',
      },
    ];
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
