import { createHarness, type Harness } from '@hoptrace/server/testing/harness';
import { parseIdentityHeader, decodePassport } from '@hoptrace/shaken';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The lab of issue #20: three real Kamailio switches in a chain on loopback, calls placed with sipp,
 * the originating switch signing with the secsipid module and the terminating one verifying, and the
 * hoptrace agent of each provider reading what its switch recorded (two acc tables in PostgreSQL, one
 * with a provider's own db_extra names and the switch's clock on America/Chicago, and acc lines in a
 * log), until the traceback reaches the origin.
 */
const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../bin/hoptrace.js', import.meta.url));

const onPath = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
const MODULE_DIRS = [
  '/usr/lib/x86_64-linux-gnu/kamailio/modules',
  '/usr/lib/aarch64-linux-gnu/kamailio/modules',
  '/usr/lib/kamailio/modules',
  '/usr/lib64/kamailio/modules',
];
const modules = MODULE_DIRS.find((d) => existsSync(join(d, 'acc.so')));
const missing = [
  ...(['kamailio', 'sipp'] as const).filter((b) => !onPath(b)),
  ...(modules ? [] : ['kamailio modules']),
  ...(modules && !existsSync(join(modules, 'db_postgres.so')) ? ['kamailio-postgres-modules'] : []),
  ...(modules && !existsSync(join(modules, 'secsipid.so')) ? ['kamailio-secsipid-modules'] : []),
];
const skipReason = !process.env.DATABASE_URL
  ? 'the switches write acc to PostgreSQL: runs with DATABASE_URL'
  : missing.length
    ? `not installed: ${missing.join(', ')} (Debian: kamailio kamailio-postgres-modules kamailio-secsipid-modules sip-tester)`
    : null;
// CI installs the switch (.ci/run): there the lab is required, not skipped.
if (skipReason && process.env.CI === 'true' && process.env.DATABASE_URL)
  throw new Error(`the Kamailio lab cannot run under CI: ${skipReason}`);
if (skipReason) console.log(`agentLab.db.test.ts skipped: ${skipReason}`);

/** One switch's kamailio.cfg: a stateful proxy sending everything on to `next`, accounting INVITEs. */
function kamailioCfg(sw: {
  listen: string;
  next: string;
  acc: { dbUrl: string; extra: string } | { logExtra: string };
  sign?: string;
  verify?: string;
}): string {
  const acc =
    'dbUrl' in sw.acc
      ? [
          'loadmodule "db_postgres.so"',
          `modparam("acc", "db_url", "${sw.acc.dbUrl}")`,
          'modparam("acc", "db_flag", 1)',
          'modparam("acc", "db_missed_flag", 2)',
          `modparam("acc", "db_extra",\n\t"${sw.acc.extra}")`,
        ]
      : [
          'modparam("acc", "log_flag", 1)',
          'modparam("acc", "log_missed_flag", 2)',
          'modparam("acc", "log_level", 1)',
          `modparam("acc", "log_extra",\n\t"${sw.acc.logExtra}")`,
        ];
  return `#!KAMAILIO
debug=1
log_stderror=yes
children=2
auto_aliases=no
listen=udp:${sw.listen}:5060
mpath="${modules}/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "siputils.so"
loadmodule "textops.so"
loadmodule "acc.so"
${sw.sign || sw.verify ? 'loadmodule "secsipid.so"' : ''}
${acc.join('\n')}

request_route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  # A chain on loopback: every request goes on to the next hop, in a dialog or not.
  if (has_totag()) { $du = "sip:${sw.next}"; t_relay(); exit; }
  if (is_method("CANCEL")) { if (t_check_trans()) { t_relay(); } exit; }
  if (is_method("INVITE")) {
    setflag(1);
    setflag(2);
${
  sw.sign
    ? `    # The originating switch signs for its customer (attestation A).
    if (!secsipid_add_identity("$fU", "$rU", "A", "", "https://cert.example/hoptrace-lab.pem", "${sw.sign}")) {
      sl_send_reply("500", "Signing failed");
      exit;
    }`
    : ''
}${
    sw.verify
      ? `    if (secsipid_check_identity("${sw.verify}") <= 0) {
      sl_send_reply("438", "Invalid Identity Header");
      exit;
    }`
      : ''
  }
  }
  $du = "sip:${sw.next}";
  if (!t_relay()) { sl_reply_error(); }
  exit;
}
`;
}

/** sipp's UAC: one call per line of the injection file (calling;called), INVITE … BYE. */
const UAC = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="hoptrace lab call">
  <send retrans="500"><![CDATA[
      INVITE sip:[field1]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[field0]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[field1]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: sip:[field0]@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000
    ]]></send>
  <recv response="100" optional="true"></recv>
  <recv response="180" optional="true"></recv>
  <recv response="200"></recv>
  <send><![CDATA[
      ACK sip:[field1]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[field0]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[field1]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0

    ]]></send>
  <pause milliseconds="100"/>
  <send retrans="500"><![CDATA[
      BYE sip:[field1]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[field0]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[field1]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Max-Forwards: 70
      Content-Length: 0

    ]]></send>
  <recv response="200" crlf="true"></recv>
</scenario>
`;

type Provider = Awaited<ReturnType<Harness['provider']>>;

describe.skipIf(skipReason !== null)('the agent against real Kamailio switches (issue #20 lab)', () => {
  // Made in beforeAll: a skipped suite's body still runs to collect its tests.
  let dir: string;
  // Addresses of this run only (loopback is 127/8), so the lab never meets another one on port 5060.
  const net = `127.${randomInt(1, 250)}.${randomInt(1, 250)}`;
  const ip = {
    customer: `${net}.10`,
    sw1: `${net}.11`,
    sw2: `${net}.12`,
    sw3: `${net}.13`,
    uas: `${net}.14`,
  };
  const children: ChildProcess[] = [];
  const databases: string[] = [];
  let h: Harness;
  let url: string;
  let originating: Provider;
  let transit: Provider;
  let terminating: Provider;
  let callAt: Date;
  let dbUrl: (name: string, scheme?: string) => string;

  const admin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };

  const start = (name: string, cmd: string, args: string[], env: Record<string, string> = {}) => {
    const out = openSync(join(dir, `${name}.log`), 'a');
    const child = spawn(cmd, args, { stdio: ['ignore', out, out], env: { ...process.env, ...env } });
    children.push(child);
    return child;
  };

  const until = async (what: () => boolean, label: string, ms = 15_000) => {
    for (const t0 = Date.now(); !what();) {
      if (Date.now() - t0 > ms) throw new Error(`lab: ${label} did not happen within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hoptrace-lab-'));
    h = await createHarness(new Date().toISOString());
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    originating = await h.provider();
    transit = await h.provider();
    terminating = await h.provider();

    // Each PostgreSQL switch has a database of its own (acc and missed_calls as
    // kamailio-postgres-modules creates them, with the extra columns its db_extra names).
    const server = new URL(process.env.DATABASE_URL!);
    dbUrl = (name, scheme = server.protocol) => {
      const u = new URL(server.toString());
      u.pathname = `/${name}`;
      return `${scheme}//${u.toString().slice(u.protocol.length + 2)}`;
    };
    const suffix = randomBytes(4).toString('hex');
    const accTable = (extra: string) => `
      CREATE TABLE acc (id serial PRIMARY KEY, method varchar(16) NOT NULL DEFAULT '',
        from_tag varchar(128) NOT NULL DEFAULT '', to_tag varchar(128) NOT NULL DEFAULT '',
        callid varchar(255) NOT NULL DEFAULT '', sip_code varchar(3) NOT NULL DEFAULT '',
        sip_reason varchar(128) NOT NULL DEFAULT '', time timestamp without time zone NOT NULL, ${extra});
      CREATE TABLE missed_calls (LIKE acc INCLUDING DEFAULTS);`;
    const schemas = {
      sw2: accTable('caller varchar(64), callee varchar(64), peer varchar(64), stir text'),
      sw3: accTable(
        'src_user varchar(64), src_ip varchar(64), dst_ouser varchar(64), dst_user varchar(64), identity text',
      ),
    };
    for (const [sw, ddl] of Object.entries(schemas)) {
      const name = `hoptrace_lab_${suffix}_${sw}`;
      await admin((c) => c.query(`CREATE DATABASE ${name}`));
      databases.push(name);
      const c = new pg.Client({ connectionString: dbUrl(name) });
      await c.connect();
      await c.query(ddl);
      await c.end();
    }

    // The originating provider's signing key (the test's own; the certificate URL is never fetched:
    // the terminating switch verifies with the public key).
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    writeFileSync(join(dir, 'key.pem'), privateKey.export({ type: 'sec1', format: 'pem' }));
    writeFileSync(join(dir, 'pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));

    // Originating (sw1): signs, acc lines to its log. Transit (sw2): its clock on Chicago time, its own
    // db_extra names. Terminating (sw3): UTC, the stock names plus the Identity header, verifies it.
    const cfgs = {
      sw1: kamailioCfg({
        listen: ip.sw1,
        next: `${ip.sw2}:5060`,
        acc: { logExtra: 'src_user=$fU;src_domain=$fd;src_ip=$si;dst_ouser=$tU;dst_user=$rU;dst_domain=$rd' },
        sign: join(dir, 'key.pem'),
      }),
      sw2: kamailioCfg({
        listen: ip.sw2,
        next: `${ip.sw3}:5060`,
        acc: {
          dbUrl: dbUrl(databases[0]!, 'postgres:'),
          extra: 'caller=$fU;callee=$rU;peer=$si;stir=$hdr(Identity)',
        },
      }),
      sw3: kamailioCfg({
        listen: ip.sw3,
        next: `${ip.uas}:5060`,
        acc: {
          dbUrl: dbUrl(databases[1]!, 'postgres:'),
          extra: 'src_user=$fU;src_ip=$si;dst_ouser=$tU;dst_user=$rU;identity=$hdr(Identity)',
        },
        verify: join(dir, 'pub.pem'),
      }),
    };
    for (const [sw, cfg] of Object.entries(cfgs)) writeFileSync(join(dir, `${sw}.cfg`), cfg);
    writeFileSync(join(dir, 'uac.xml'), UAC);
    writeFileSync(
      join(dir, 'calls.csv'),
      'SEQUENTIAL\n2025550143;3125550188\n2025550144;3125550189\n2025550145;3125550190\n',
    );

    start('uas', 'sipp', ['-sn', 'uas', '-i', ip.uas, '-p', '5060', '-nostdin']);
    for (const sw of ['sw1', 'sw2', 'sw3'] as const)
      start(
        sw,
        'kamailio',
        ['-f', join(dir, `${sw}.cfg`), '-DD', '-E', '-Y', dir, '-P', join(dir, `${sw}.pid`)],
        // Kamailio writes acc.time in its own zone: the transit switch's is Chicago.
        { TZ: sw === 'sw2' ? 'America/Chicago' : 'UTC' },
      );
    for (const sw of ['sw1', 'sw2', 'sw3'])
      await until(() => readFileSync(join(dir, `${sw}.log`), 'utf8').includes('Listening on'), `${sw} start`);

    callAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    const uac = await run(
      'sipp',
      [
        `${ip.sw1}:5060`,
        ...['-sf', join(dir, 'uac.xml'), '-inf', join(dir, 'calls.csv'), '-i', ip.customer, '-p', '5070'],
        ...['-m', '3', '-r', '5', '-nostdin', '-timeout', '20s'],
      ],
      { cwd: dir },
    ).catch((err: { stdout?: string; code?: number }) => {
      throw new Error(`sipp failed (${err.code}): ${String(err.stdout).slice(-1500)}`);
    });
    expect(uac.stdout).toMatch(/Successful call\s+\|\s+\d+\s+\|\s+3/);
    // acc writes when the final reply passes; the log line and rows are there within moments.
    await until(
      () =>
        (readFileSync(join(dir, 'sw1.log'), 'utf8').match(/ACC: transaction answered/g) ?? []).length === 3,
      'sw1 acc lines',
    );
    // Generous for a loaded CI machine: the whole file took 53-74 s here at load 27 on 2 cores.
  }, 120_000);

  afterAll(async () => {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(
      children.map((c) =>
        c.exitCode !== null || c.signalCode !== null
          ? Promise.resolve()
          : new Promise((r) => {
              c.once('exit', r);
              setTimeout(r, 3000);
            }),
      ),
    );
    await h?.close();
    for (const name of databases) await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const agent = async (provider: Provider, ...args: string[]) => {
    try {
      const { stdout } = await run(process.execPath, [
        BIN,
        'agent',
        '--url',
        url,
        '--key',
        provider.user.key,
        '--once',
        ...args,
      ]);
      return stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      throw new Error(`agent exited ${e.code}: ${e.stderr}\n${e.stdout}`);
    }
  };

  it('walks a sipp call through the three switches to its origin, each agent reading what its switch recorded', async () => {
    // What the switches recorded: the transit switch's local wall clock, the Identity header as
    // the transit and terminating switches received it.
    const sw2 = new pg.Client({ connectionString: dbUrl(databases[0]!) });
    await sw2.connect();
    const { rows } = await sw2.query<{ local: string; peer: string; stir: string }>(
      `SELECT to_char(time, 'YYYY-MM-DD HH24:MI:SS') AS local, peer, stir FROM acc WHERE callee = '3125550189'`,
    );
    await sw2.end();
    expect(rows).toHaveLength(1);
    const chicago = new Intl.DateTimeFormat('sv-SE', {
      timeZone: 'America/Chicago',
      dateStyle: 'short',
      timeStyle: 'medium',
    });
    expect(
      Math.abs(
        Date.parse(rows[0]!.local.replace(' ', 'T')) - Date.parse(chicago.format(callAt).replace(' ', 'T')),
      ),
    ).toBeLessThan(10_000);
    expect(rows[0]!.peer).toBe(ip.sw1);
    const header = parseIdentityHeader(rows[0]!.stir);
    expect(header.ok).toBe(true);
    const passport = header.ok ? decodePassport(header.header.token) : null;
    expect(passport?.ok && passport.passport.payload).toMatchObject({
      attest: 'A',
      orig: { tn: '2025550144' },
      dest: { tn: ['3125550189'] },
    });

    const opened = await h.analyst.post('/api/v1/tracebacks', {
      call: { startedAt: callAt.toISOString(), callingNumber: '+12025550144', calledNumber: '+13125550189' },
      firstProviderId: terminating.id,
    });
    expect(opened.statusCode, opened.body).toBe(201);
    const tracebackId = opened.json<{ id: string }>().id;
    const hopAt = async (provider: Provider) => {
      const res = await provider.user.get('/api/v1/hops?status=pending');
      return res
        .json<{ items: Array<{ id: string; tracebackId: string }> }>()
        .items.find((i) => i.tracebackId === tracebackId);
    };
    const answered = (lines: Record<string, unknown>[], hopId: string) =>
      lines.find((l) => l.hopId === hopId && (l.msg === 'answered' || l.msg === 'left for a person'));

    // Terminating: its acc table, UTC, the stock names and the Identity header (from its kamailio.cfg).
    writeFileSync(join(dir, 'sw3-peers.json'), JSON.stringify({ peers: { [ip.sw2]: transit.id } }));
    const sw3Hop = (await hopAt(terminating))!;
    const sw3 = await agent(
      terminating,
      ...['--pg-url', dbUrl(databases[1]!), '--pg-table', 'acc', '--cdr-format', 'kamailio-acc'],
      ...['--mapping', join(dir, 'sw3.cfg'), '--time-zone', 'UTC', '--peer-map', join(dir, 'sw3-peers.json')],
    );
    expect(answered(sw3, sw3Hop.id)).toMatchObject({
      msg: 'answered',
      answer: {
        kind: 'upstream',
        upstreamProviderId: transit.id,
        comment: `Call arrived on trunk ${ip.sw2}, with a SHAKEN Identity header (attestation A, certificate https://cert.example/hoptrace-lab.pem). Answered by the hoptrace agent.`,
      },
    });

    // Transit: its own db_extra names, Chicago time. Told the wrong zone, it hands the hop to a
    // person (no records around the call's moment) instead of answering not_found.
    writeFileSync(
      join(dir, 'sw2-peers.json'),
      JSON.stringify({ peers: { [`${ip.sw1}/32`]: originating.id } }),
    );
    const sw2Hop = (await hopAt(transit))!;
    const sw2Args = [
      ...['--pg-url', dbUrl(databases[0]!), '--pg-table', 'acc', '--cdr-format', 'kamailio-acc'],
      ...['--mapping', join(dir, 'sw2.cfg'), '--peer-map', join(dir, 'sw2-peers.json')],
    ];
    const wrongZone = await agent(transit, ...sw2Args, '--time-zone', 'UTC');
    expect(answered(wrongZone, sw2Hop.id)).toMatchObject({ msg: 'left for a person', reason: 'no_coverage' });
    expect((await transit.user.get(`/api/v1/hops/${sw2Hop.id}`)).json()).toMatchObject({ status: 'pending' });
    const sw2Run = await agent(transit, ...sw2Args, '--time-zone', 'America/Chicago');
    expect(answered(sw2Run, sw2Hop.id)).toMatchObject({
      msg: 'answered',
      answer: { kind: 'upstream', upstreamProviderId: originating.id },
    });

    // Originating: acc lines in the switch's log, read by the log_extra of its kamailio.cfg; the
    // source address is its customer.
    writeFileSync(
      join(dir, 'sw1-peers.json'),
      JSON.stringify({
        customers: { [ip.customer]: { name: 'Fictional Dialer Co (lab)', accountRef: 'LAB-1' } },
        originAction: 'terminated',
      }),
    );
    const sw1Hop = (await hopAt(originating))!;
    const sw1 = await agent(
      originating,
      ...['--records', join(dir, 'sw1.log'), '--cdr-format', 'kamailio-acc-log'],
      ...['--mapping', join(dir, 'sw1.cfg'), '--peer-map', join(dir, 'sw1-peers.json')],
    );
    expect(answered(sw1, sw1Hop.id)).toMatchObject({ msg: 'answered', answer: { kind: 'origin' } });

    const traceback = (await h.analyst.get(`/api/v1/tracebacks/${tracebackId}`)).json<{
      status: string;
      outcome: string;
      hops: Array<{ providerId: string; status: string; received?: Record<string, unknown> }>;
    }>();
    expect(traceback).toMatchObject({ status: 'closed', outcome: 'origin_identified' });
    expect(traceback.hops.map((x) => x.providerId)).toEqual([terminating.id, transit.id, originating.id]);
    // The terminating agent sent the Identity header its switch received as the answer's own field
    // (STIR/SHAKEN along the path): kept on its hop.
    expect(traceback.hops[0]!.received).toMatchObject({
      identity: 'signed',
      identityHeader: rows[0]!.stir,
    });
  }, 180_000);
});
