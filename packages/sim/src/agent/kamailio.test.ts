import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkRecords } from './check';
import { decide, ZPeerMap } from './decide';
import { recordsFromText } from './formats';
import { identitySummary, kamailioExtraColumns, readKamailioMapping } from './kamailio';

const tmp = mkdtempSync(join(tmpdir(), 'hoptrace-kamailio-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const UPSTREAM = '00000000-0000-4000-8000-000000000001';
const file = (name: string, text: string) => {
  writeFileSync(join(tmp, name), text);
  return join(tmp, name);
};

/** An Identity header as a switch receives it (decoded only, not verified, by the agent). */
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const IDENTITY = `${b64({ alg: 'ES256', ppt: 'shaken', typ: 'passport', x5u: 'https://cert.example/sp.pem' })}.${b64(
  { attest: 'B', dest: { tn: ['13125550188'] }, iat: 1793541781, orig: { tn: '12025550143' }, origid: 'x' },
)}.${Buffer.from('not a real signature').toString('base64url')};info=<https://cert.example/sp.pem>;alg=ES256;ppt=shaken`;

describe("Kamailio acc's extra columns", () => {
  it('reads db_extra by the pseudo-variable each column records, whatever its name', () => {
    // The stock kamailio.cfg's.
    expect(
      kamailioExtraColumns(
        'src_user=$fU;src_domain=$fd;src_ip=$si;dst_ouser=$tU;dst_user=$rU;dst_domain=$rd',
      ),
    ).toEqual({ calling: 'src_user', called: 'dst_user', srcIp: 'src_ip' });
    // A provider's own names; the To user only when the request URI is not recorded; header names
    // in any case; the best pseudo-variable wins whatever the order.
    expect(
      kamailioExtraColumns(
        'callee_to=$tU; caller = $fU ;peer_ip=$si;peer_port=$sp;pai=$hdr(P-Asserted-Identity);stir=$hdr(identity);callee=$rU',
      ),
    ).toEqual({
      calling: 'caller',
      called: 'callee',
      srcIp: 'peer_ip',
      srcPort: 'peer_port',
      asserted: 'pai',
      identity: 'stir',
    });
    expect(kamailioExtraColumns('ua=$ua;x=$avp(foo)')).toEqual({});
  });

  it("reads --mapping as the switch's kamailio.cfg (db_extra for the table, log_extra for logs) or as JSON", () => {
    const cfg = file(
      'kamailio.cfg',
      [
        '#!KAMAILIO',
        'loadmodule "acc.so"',
        'modparam("acc", "log_extra",',
        '\t"caller=$fU;callee=$rU;"',
        '\t"peer=$si")',
        '#modparam("acc", "db_extra", "ignored=$fU")',
        'modparam("acc", "db_extra", "a_caller=$fU;a_callee=$rU;a_src=$si;a_identity=$hdr(Identity)")',
      ].join('\n'),
    );
    expect(readKamailioMapping(cfg, 'log_extra')).toEqual({
      calling: 'caller',
      called: 'callee',
      srcIp: 'peer',
    });
    expect(readKamailioMapping(cfg, 'db_extra')).toEqual({
      calling: 'a_caller',
      called: 'a_callee',
      srcIp: 'a_src',
      identity: 'a_identity',
    });
    const json = file(
      'mapping.json',
      JSON.stringify({ extra: 'src_user=$fU;dst_user=$rU;src_ip=$si', columns: { identity: 'ident' } }),
    );
    expect(readKamailioMapping(json, 'db_extra')).toEqual({
      calling: 'src_user',
      called: 'dst_user',
      srcIp: 'src_ip',
      identity: 'ident',
    });
  });

  it('refuses a mapping it cannot use, naming why', () => {
    const twice = file(
      'twice.cfg',
      '#!ifdef A\nmodparam("acc", "db_extra", "x=$fU")\n#!else\nmodparam("acc", "db_extra", "y=$fU")\n#!endif\n',
    );
    expect(() => readKamailioMapping(twice, 'db_extra')).toThrow(/set 2 different ways .*"extra"/);
    expect(() => readKamailioMapping(twice, 'log_extra')).toThrow(/neither JSON nor a kamailio.cfg/);
    const nothing = file('nothing.json', JSON.stringify({ extra: 'ua=$ua' }));
    expect(() => readKamailioMapping(nothing, 'db_extra')).toThrow(/names no column the agent reads/);
    const bad = file('bad.json', JSON.stringify({ columns: { identity: 'x; DROP TABLE acc' }, other: 1 }));
    expect(() => readKamailioMapping(bad, 'db_extra')).toThrow(/columns.identity must be a column name/);
    expect(() => readKamailioMapping(bad, 'db_extra')).toThrow(/other/);
    expect(() => readKamailioMapping(join(tmp, 'absent.cfg'), 'db_extra')).toThrow(/absent.cfg: ENOENT/);
  });

  it("reads acc log lines by the provider's log_extra names, and says which Identity header came in", async () => {
    const line = (ts: number, caller: string, callee: string, peer: string, extra = '') =>
      `Nov  1 08:03:35 sw2 kamailio[9]: NOTICE: acc [acc.c:275]: ACC: transaction answered: timestamp=${ts};method=INVITE;from_tag=a;to_tag=b;call_id=c;code=200;reason=OK;caller=${caller};callee=${callee};peer=${peer}${extra}`;
    const log = [
      line(1793541480, '2025550100', '3125550100', '192.0.2.10'),
      line(1793541815, '2025550143', '3125550188', '192.0.2.7', `;stir=${IDENTITY.split(';')[0]}`),
      line(1793542200, '2025550101', '3125550101', '192.0.2.10'),
    ].join('\n');
    const records = recordsFromText(log, 'syslog', {
      format: 'kamailio-acc-log',
      kamailio: { calling: 'caller', called: 'callee', srcIp: 'peer', identity: 'stir' },
    });
    const call = {
      startedAt: '2026-11-01T14:03:01Z',
      callingNumber: '+12025550143',
      calledNumber: '+13125550188',
    };
    const found = await records.lookup(call, { toleranceSeconds: 10, coverageSeconds: 600 });
    expect(found?.candidates.map((r) => r.inboundPeer)).toEqual(['192.0.2.7']);
    const peerMap = ZPeerMap.parse({ peers: { '192.0.2.0/24': UPSTREAM } });
    expect(decide(found, peerMap, 10, call)).toMatchObject({
      answer: {
        kind: 'upstream',
        comment:
          'Call arrived on trunk 192.0.2.7, with a SHAKEN Identity header (attestation B, certificate https://cert.example/sp.pem). Answered by the hoptrace agent.',
      },
    });
    const report = await checkRecords(records, peerMap);
    expect(report).toMatchObject({ ok: true, identityHeaders: 1, sampled: 3 });
    // Without the mapping the stock names find no numbers: the check says so instead of starting.
    const stock = await checkRecords(recordsFromText(log, 'syslog', { format: 'kamailio-acc-log' }), peerMap);
    expect(stock.ok).toBe(false);
    expect(stock.problems.join()).toMatch(/no number in the sample reads as a phone number/);
  });

  it('summarises an Identity header without verifying it, and refuses to read one that does not parse', () => {
    expect(identitySummary(IDENTITY)).toEqual({ attest: 'B', x5u: 'https://cert.example/sp.pem' });
    expect(identitySummary('not a header at all')).toBeNull();
  });
});
