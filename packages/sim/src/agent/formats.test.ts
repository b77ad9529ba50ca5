import {
  appendFileSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkRecords } from './check';
import { decide, ZPeerMap } from './decide';
import {
  asteriskEndpoint,
  FileRecords,
  fileRecordSource,
  readMapping,
  recordsFromText,
  templateColumns,
  timePattern,
  type FileSourceOptions,
} from './formats';
import { RecordFileError } from './records';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const opts = { toleranceSeconds: 10, coverageSeconds: 600 };
const UPSTREAM = '00000000-0000-4000-8000-000000000001';
const tmp = mkdtempSync(join(tmpdir(), 'hoptrace-formats-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// The four calls every fixture holds (the switch's wall clock is America/Chicago, UTC-6 that day).
const CALLS = [
  { startedAt: '2026-11-01T13:58:00Z', callingNumber: '+12025550100', calledNumber: '+13125550100' },
  { startedAt: '2026-11-01T14:03:01Z', callingNumber: '+12025550143', calledNumber: '+13125550188' },
  { startedAt: '2026-11-01T14:10:30Z', callingNumber: '+12025550177', calledNumber: '+13125550177' },
  { startedAt: '2026-11-01T14:20:00Z', callingNumber: '+12025550101', calledNumber: '+13125550101' },
];

const cases: { name: string; file: string; opts: FileSourceOptions; peers: string[] }[] = [
  {
    name: 'Asterisk cdr_csv Master.csv (16 and 18 fields, SIP, PJSIP and IAX2 channels)',
    file: 'asterisk-Master.csv',
    opts: { format: 'asterisk-csv', timeZone: 'America/Chicago' },
    peers: ['trunk-a', 'trunk-a', 'trunk-b', 'trunk-b'],
  },
  {
    name: 'FreeSWITCH mod_cdr_csv with the stock example template (start_stamp, accountcode)',
    file: 'freeswitch-Master.csv',
    opts: { format: 'freeswitch-csv', timeZone: 'America/Chicago' },
    peers: ['trunk-a', 'trunk-a', 'trunk-b', 'trunk-b'],
  },
  {
    name: 'FreeSWITCH mod_cdr_csv with a template giving start_epoch and sip_network_ip',
    file: 'freeswitch-network.csv',
    opts: {
      format: 'freeswitch-csv',
      template: readFileSync(fixture('freeswitch-cdr_csv.conf.xml'), 'utf8'),
    },
    peers: ['192.0.2.10', '192.0.2.7', '198.51.100.4', '192.0.2.10'],
  },
  {
    name: 'Kamailio acc lines in syslog (INVITE only, final-reply time, anonymous with PAI)',
    file: 'kamailio-acc.log',
    opts: { format: 'kamailio-acc-log' },
    peers: ['192.0.2.10', '192.0.2.7:41234', '198.51.100.4', '192.0.2.10'],
  },
  {
    name: 'generic CSV by mapping (names and a position, ";", dd/MM/yyyy, zone in the mapping)',
    file: 'generic.csv',
    opts: { format: 'generic', mapping: readMapping(fixture('generic-mapping.json')) },
    peers: ['TG8', 'TG7', 'TG8', 'TG8'],
  },
];

describe.each(cases)('$name', ({ file, opts: o, peers }) => {
  const source = fileRecordSource(fixture(file), o);

  it("finds each of the fixture's calls on its inbound peer", async () => {
    expect(source.size).toBe(4);
    for (const [i, call] of CALLS.entries()) {
      const found = await source.lookup(call, opts);
      expect(
        found?.candidates.map((r) => r.inboundPeer),
        call.startedAt,
      ).toEqual([peers[i]]);
    }
    const peerMap = ZPeerMap.parse({ peers: { [peers[1]!.replace(/:\d+$/, '')]: UPSTREAM } });
    expect(decide(await source.lookup(CALLS[1]!, opts), peerMap, 10, CALLS[1])).toMatchObject({
      action: 'answer',
      answer: { kind: 'upstream', upstreamProviderId: UPSTREAM },
    });
  });

  it('answers not_found only inside the records, and the self-check passes', async () => {
    const missing = { ...CALLS[1]!, calledNumber: '+13125550100' };
    expect(decide(await source.lookup(missing, opts), ZPeerMap.parse({}), 10, missing)).toMatchObject({
      answer: { kind: 'not_found' },
    });
    const later = { ...CALLS[1]!, startedAt: '2026-11-01T15:00:00Z' };
    expect(decide(await source.lookup(later, opts), ZPeerMap.parse({}), 10, later)).toMatchObject({
      reason: 'no_coverage',
    });
    const report = await checkRecords(source, ZPeerMap.parse({}));
    expect(report).toMatchObject({ ok: true, sampled: 4, numbers: { unreadable: 0 } });
  });
});

describe('time zones of local-time formats', () => {
  it('refuses a zoneless start without --time-zone, naming the line', () => {
    expect(() => fileRecordSource(fixture('asterisk-Master.csv'), { format: 'asterisk-csv' })).toThrow(
      /asterisk-Master\.csv line 1: start time "2026-11-01 07:58:00" has no time zone .*--time-zone/,
    );
    expect(() => fileRecordSource(fixture('freeswitch-Master.csv'), { format: 'freeswitch-csv' })).toThrow(
      /freeswitch-Master\.csv line 1: start time .* has no time zone/,
    );
  });

  it('reads the fixture in a wrong zone as uncovered, never as not found', async () => {
    const utc = fileRecordSource(fixture('asterisk-Master.csv'), { format: 'asterisk-csv', timeZone: 'UTC' });
    const call = CALLS[1]!;
    expect(decide(await utc.lookup(call, opts), ZPeerMap.parse({}), 10, call)).toMatchObject({
      action: 'ask_person',
      reason: 'no_coverage',
    });
  });

  it("refuses a --time-zone that disagrees with the mapping's", () => {
    expect(() =>
      fileRecordSource(fixture('generic.csv'), {
        format: 'generic',
        timeZone: 'UTC',
        mapping: readMapping(fixture('generic-mapping.json')),
      }),
    ).toThrow(/disagree/);
  });
});

describe('reading the formats', () => {
  it('takes the endpoint from an Asterisk channel', () => {
    expect(asteriskEndpoint('SIP/trunk-a-0000001')).toBe('trunk-a');
    expect(asteriskEndpoint('PJSIP/trunk-a-00000001')).toBe('trunk-a');
    expect(asteriskEndpoint('PJSIP/carrier-b-0000000f')).toBe('carrier-b');
    expect(asteriskEndpoint('Local/100@from-internal-00000012;1')).toBe('100@from-internal');
    expect(asteriskEndpoint('DAHDI/i1/2025550143-1')).toBe('i1/2025550143');
    expect(asteriskEndpoint('trunk')).toBe('trunk');
  });

  it('names a Master.csv row that is not cdr_csv, and a FreeSWITCH row that does not fit its template', () => {
    const src = (text: string, o: FileSourceOptions) => () => recordsFromText(text, 'cdr.csv', o);
    expect(src('a,b,c\n', { format: 'asterisk-csv', timeZone: 'UTC' })).toThrow(
      /cdr\.csv line 1: 3 fields, cdr_csv writes at least 16/,
    );
    expect(src('"a","b"\n', { format: 'freeswitch-csv', timeZone: 'UTC' })).toThrow(
      /cdr\.csv line 1: 2 fields, the template names 15/,
    );
    expect(src('"a"\n', { format: 'freeswitch-csv', template: '"${uuid}"' })).toThrow(
      /template has no call time column/,
    );
  });

  it("reads a template's columns from cdr_csv.conf.xml (its default-template) or one template", () => {
    const xml = readFileSync(fixture('freeswitch-cdr_csv.conf.xml'), 'utf8');
    expect(templateColumns(xml)).toEqual([
      'caller_id_number',
      'destination_number',
      'start_epoch',
      'sip_network_ip',
      'hangup_cause',
      'uuid',
    ]);
    expect(templateColumns(xml.replace('value="network"', 'value="example"'))[0]).toBe('caller_id_name');
  });

  it('skips acc lines of other methods and refuses one without timestamp=', () => {
    const log =
      'Nov  1 08:03:35 sw1 kamailio[1]: ACC: transaction answered: method=INVITE;src_user=2025550143\n';
    expect(() => recordsFromText(log, 'syslog', { format: 'kamailio-acc-log' })).toThrow(
      /syslog line 1: an acc line without timestamp=/,
    );
  });

  it('reads time patterns exactly, and refuses a time that does not fit', () => {
    expect(timePattern('dd/MM/yyyy HH:mm:ss')('01/11/2026 08:03:01')).toBe('2026-11-01T08:03:01');
    expect(timePattern('yyyyMMddHHmmss.SSS')('20261101080301.250')).toBe('2026-11-01T08:03:01.250');
    expect(timePattern('dd/MM/yyyy HH:mm:ss')('2026-11-01 08:03:01')).toBeNull();
    const mapping = readMapping(fixture('generic-mapping.json'));
    expect(() =>
      recordsFromText('Datum;Anrufer;Ziel;Trunk\n2026-11-01 08:03:01;1;2;3\n', 'x.csv', {
        format: 'generic',
        mapping,
      }),
    ).toThrow(/x\.csv line 2: start time "2026-11-01 08:03:01" is not in the mapping's format/);
    expect(() => recordsFromText('a;b\n', 'x.csv', { format: 'generic', mapping })).toThrow(
      /x\.csv has no column "Datum" \(start_time\); it has a, b/,
    );
  });

  it('refuses a mapping naming its problems', () => {
    const write = (name: string, body: unknown) => {
      const f = join(tmp, name);
      writeFileSync(f, typeof body === 'string' ? body : JSON.stringify(body));
      return f;
    };
    expect(() => readMapping(write('bad.json', '{'))).toThrow(RecordFileError);
    expect(() =>
      readMapping(
        write('m.json', {
          columns: { start_time: 0, calling_number: 'a', called_number: 'b' },
          timeFormat: 'MM/dd',
          timeZone: 'Mars/Olympus',
        }),
      ),
    ).toThrow(/columns\.start_time .*columns\.inbound_peer .*timeFormat must be iso, epoch, or a pattern/);
    expect(() =>
      readMapping(
        write('z.json', {
          columns: { start_time: 1, calling_number: 2, called_number: 3, inbound_peer: 4 },
          timeZone: 'Mars/Olympus',
        }),
      ),
    ).toThrow(/timeZone "Mars\/Olympus" is not a time zone name/);
    const epoch = recordsFromText('1793541781,2025550143,3125550188,TG7\n', 'e.csv', {
      format: 'generic',
      mapping: readMapping(
        write('e.json', {
          columns: { start_time: 1, calling_number: 2, called_number: 3, inbound_peer: 4 },
          timeFormat: 'epoch',
        }),
      ),
    });
    expect(epoch.size).toBe(1);
  });
});

describe('a records file the switch keeps writing', () => {
  it('reads it again when it changed, not before the interval, and waits for a line being written', async () => {
    const file = join(tmp, 'Master.csv');
    const lines = readFileSync(fixture('asterisk-Master.csv'), 'utf8').split('\n');
    writeFileSync(file, `${lines.slice(0, 2).join('\n')}\n`);
    let now = 0;
    const source = new FileRecords(
      file,
      { format: 'asterisk-csv', timeZone: 'America/Chicago' },
      10_000,
      () => now,
    );
    expect(source.size).toBe(2);
    const third = CALLS[2]!;
    expect((await source.lookup(third, opts))?.candidates).toEqual([]);
    // The switch writes the third call and begins the fourth.
    appendFileSync(file, `${lines[2]}\n${lines[3]!.slice(0, 40)}`);
    now = 5_000;
    expect((await source.lookup(third, opts))?.candidates).toEqual([]);
    now = 10_000;
    expect((await source.lookup(third, opts))?.candidates.map((r) => r.inboundPeer)).toEqual(['trunk-b']);
    expect(source.size).toBe(3);
    appendFileSync(file, `${lines[3]!.slice(40)}\n`);
    now = 20_000;
    expect((await source.lookup(CALLS[3]!, opts))?.candidates).toHaveLength(1);
    expect(source.size).toBe(4);
    // A row that cannot be read is an error for this look-up (the agent tries again), not a half-read.
    appendFileSync(file, 'a,b,c\n');
    now = 30_000;
    await expect(source.lookup(third, opts)).rejects.toThrow(/line 5: 3 fields/);
    expect(source.size).toBe(4);
  });
});

describe('following a growing file from its last offset', () => {
  const line = (ts: number, caller: string, callee: string, peer = '192.0.2.10') =>
    `Nov  1 08:00:00 sw1 kamailio[1]: NOTICE: acc [acc.c:275]: ACC: transaction answered: timestamp=${ts};method=INVITE;src_user=${caller};src_ip=${peer};dst_user=${callee}\n`;
  const T = 1793541480;
  const call = (i: number) => ({
    startedAt: new Date((T + i * 60) * 1000).toISOString(),
    callingNumber: `+1202555010${i}`,
    calledNumber: `+1312555010${i}`,
  });
  const found = async (source: FileRecords, i: number) =>
    (await source.lookup(call(i), opts))?.candidates.length ?? 0;

  it('reads only the lines appended since the last read, and starts over when the file is rotated, truncated or rewritten', async () => {
    const file = join(tmp, 'acc.log');
    writeFileSync(file, line(T, '2025550100', '3125550100') + line(T + 60, '2025550101', '3125550101'));
    let now = 0;
    const source = new FileRecords(file, { format: 'kamailio-acc-log' }, 1000, () => now);
    expect(source.reads).toEqual({ whole: 1, appended: 0 });
    appendFileSync(file, line(T + 120, '2025550102', '3125550102'));
    now += 1000;
    expect(await found(source, 2)).toBe(1);
    expect(source.reads).toEqual({ whole: 1, appended: 1 });
    expect(source.size).toBe(3);
    // Nothing changed: nothing read.
    now += 1000;
    expect(await found(source, 0)).toBe(1);
    expect(source.reads).toEqual({ whole: 1, appended: 1 });

    // logrotate: the file is renamed and a new one begins (another inode).
    renameSync(file, `${file}.1`);
    writeFileSync(file, line(T + 180, '2025550103', '3125550103'));
    now += 1000;
    expect(await found(source, 3)).toBe(1);
    expect(await found(source, 0)).toBe(0);
    expect(source.reads).toEqual({ whole: 2, appended: 1 });
    expect(source.size).toBe(1);

    // copytruncate: the same file emptied, then written again (shorter than what was read).
    truncateSync(file, 0);
    appendFileSync(file, line(T + 240, '2025550104', '3125550104'));
    now += 1000;
    expect(await found(source, 4)).toBe(1);
    expect(await found(source, 3)).toBe(0);
    expect(source.reads).toEqual({ whole: 3, appended: 1 });

    // Rewritten in place, longer than before: the bytes before the offset differ, so read whole.
    writeFileSync(
      file,
      line(T + 300, '2025550105', '3125550105') + line(T + 360, '2025550106', '3125550106'),
    );
    now += 1000;
    expect(await found(source, 5)).toBe(1);
    expect(await found(source, 4)).toBe(0);
    expect(source.reads).toEqual({ whole: 4, appended: 1 });
    expect(source.size).toBe(2);
  });

  it('reads appended rows of a format with a header, and names their lines in the file', async () => {
    const file = join(tmp, 'cdrs.csv');
    const row = (i: number) =>
      `${new Date((T + i * 60) * 1000).toISOString()},202555010${i},312555010${i},TG${i}\n`;
    // The last line has no newline yet at start: it is read, and the file is read whole once more.
    writeFileSync(file, `start_time,calling_number,called_number,inbound_peer\n${row(0)}${row(1).trimEnd()}`);
    let now = 0;
    const source = new FileRecords(file, { format: 'hoptrace' }, 1000, () => now);
    expect(source.size).toBe(2);
    appendFileSync(file, `\n${row(2)}`);
    now += 1000;
    expect(await found(source, 2)).toBe(1);
    expect(source.size).toBe(3);
    expect(source.reads).toEqual({ whole: 2, appended: 0 });
    appendFileSync(file, row(3));
    now += 1000;
    expect(await found(source, 3)).toBe(1);
    expect(source.reads).toEqual({ whole: 2, appended: 1 });
    appendFileSync(file, '2026-11-01 08:00:00,2025550107,3125550107,TG7\n');
    now += 1000;
    await expect(source.lookup(call(3), opts)).rejects.toThrow(
      /cdrs\.csv line 6: start time .* has no time zone/,
    );
    expect(source.size).toBe(4);
  });
});
