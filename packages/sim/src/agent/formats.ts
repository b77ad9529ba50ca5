import { parse } from 'csv-parse/sync';
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { z } from 'zod';
import type { AgentRecord, HopCall, Lookup } from './decide';
import {
  MemoryRecords,
  readRecordsCsv,
  RecordFileError,
  type LookupOptions,
  type RecordSample,
  type RecordSource,
} from './records';
import type { KamailioColumns } from './kamailio';
import { checkTimeZone } from './time';

/**
 * The call record files a switch writes, read as they are (issue #20 point 1): Asterisk's cdr_csv
 * `Master.csv`, FreeSWITCH's mod_cdr_csv, Kamailio's acc lines in syslog, and any CSV described by a
 * mapping file. Each reader turns rows into AgentRecords whose times are the raw text; MemoryRecords
 * reads the times (zoneless ones only with the source's zone) and names the row of any it cannot.
 */
export const FILE_FORMATS = [
  'hoptrace',
  'asterisk-csv',
  'freeswitch-csv',
  'kamailio-acc-log',
  'generic',
] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

/** One record read from a file, with the line it started on (for messages). */
interface Row {
  record: AgentRecord;
  line: number;
}

/** CSV rows as arrays of fields, each with the line it starts on. */
function csvRows(text: string, what: string, delimiter = ','): { fields: string[]; line: number }[] {
  let rows: unknown;
  try {
    rows = parse(text, {
      relax_column_count: true,
      skip_empty_lines: true,
      bom: true,
      info: true,
      delimiter,
    });
  } catch (err) {
    throw new RecordFileError(`${what} is not valid CSV: ${(err as Error).message}`);
  }
  return (rows as { record: string[]; info: { lines: number } }[]).map(({ record, info }) => ({
    fields: record.map((f) => f.trim()),
    line: info.lines,
  }));
}

/** The number in a caller ID such as `"Alice" <2025550143>`, or the text itself. */
const numberInCallerId = (clid: string) => /<([^>]*)>/.exec(clid)?.[1]?.trim() ?? clid.trim();

/**
 * The endpoint (trunk, peer) of an Asterisk channel name: `SIP/trunk-a-0000001`,
 * `PJSIP/trunk-a-00000001` or `IAX2/trunk-a-1234` → `trunk-a` (the technology before the slash
 * and the channel's sequence number after the last hyphen go; `;1` of a Local channel too).
 */
export function asteriskEndpoint(channel: string): string {
  const c = channel.trim().replace(/;\d+$/, '');
  const m = /^[^/]+\/(.+)-[0-9a-fA-F]+$/.exec(c);
  if (m) return m[1]!;
  const slash = c.indexOf('/');
  return slash >= 0 ? c.slice(slash + 1) : c;
}

/** Asterisk cdr_csv's fixed positions (no header); uniqueid and userfield are optional. */
export const ASTERISK_CSV_COLUMNS = [
  'accountcode',
  'src',
  'dst',
  'dcontext',
  'clid',
  'channel',
  'dstchannel',
  'lastapp',
  'lastdata',
  'start',
  'answer',
  'end',
  'duration',
  'billsec',
  'disposition',
  'amaflags',
  'uniqueid',
  'userfield',
] as const;

/**
 * Asterisk `Master.csv`: the calling number from `src` (else the caller ID's number), the called from
 * `dst`, the inbound endpoint from `channel`, the time from `start` (the switch's local time, unless
 * cdr.conf says usegmtime: then give --time-zone UTC).
 */
export function readAsteriskCsv(text: string, file = 'Master.csv'): Row[] {
  const at = (name: (typeof ASTERISK_CSV_COLUMNS)[number]) => ASTERISK_CSV_COLUMNS.indexOf(name);
  return csvRows(text, file).map(({ fields, line }) => {
    if (fields.length < 16)
      throw new RecordFileError(
        `${file} line ${line}: ${fields.length} fields, cdr_csv writes at least 16 (accountcode … amaflags): is this an Asterisk Master.csv?`,
      );
    const f = (name: (typeof ASTERISK_CSV_COLUMNS)[number]) => fields[at(name)] ?? '';
    return {
      line,
      record: {
        startTime: f('start'),
        callingNumber: f('src') || numberInCallerId(f('clid')),
        calledNumber: f('dst'),
        inboundPeer: asteriskEndpoint(f('channel')),
        outboundPeer: f('dstchannel') ? asteriskEndpoint(f('dstchannel')) : undefined,
      },
    };
  });
}

/** mod_cdr_csv's stock `example` template (cdr_csv.conf.xml), the default. */
export const FREESWITCH_EXAMPLE_TEMPLATE =
  '"${caller_id_name}","${caller_id_number}","${destination_number}","${context}","${start_stamp}","${answer_stamp}","${end_stamp}","${duration}","${billsec}","${hangup_cause}","${uuid}","${bleg_uuid}","${accountcode}","${read_codec}","${write_codec}"';

/**
 * The variable each column of a mod_cdr_csv template holds: the text of a `<template>` element (or
 * a cdr_csv.conf.xml, whose first template is taken, or the one named by `default-template`).
 */
export function templateColumns(template: string): string[] {
  let t = template;
  if (t.includes('<template')) {
    const preferred = /name="default-template"\s+value="([^"]+)"/.exec(t)?.[1];
    const all = [...t.matchAll(/<template\s+name="([^"]+)"\s*>([\s\S]*?)<\/template>/g)];
    const chosen = all.find((m) => m[1] === preferred) ?? all[0];
    if (!chosen) throw new RecordFileError('the template file has no <template> element');
    t = chosen[2]!;
  }
  const row = csvRows(t.trim(), 'the template')[0]?.fields ?? [];
  const names = row.map((cell) => /^\$\{([A-Za-z0-9_-]+)\}$/.exec(cell)?.[1] ?? '');
  if (!names.some(Boolean)) throw new RecordFileError('the template names no ${variable} columns');
  return names;
}

/** Which template variables the agent reads, first present wins. */
const FS = {
  time: ['start_epoch', 'start_uepoch', 'start_stamp'],
  calling: ['caller_id_number', 'ani', 'sip_from_user'],
  called: ['destination_number', 'sip_to_user', 'sip_req_user'],
  // The network the call came from; the stock template has none, so its accountcode names the trunk.
  peer: ['sip_network_ip', 'sip_received_ip', 'sip_gateway_name', 'sip_gateway', 'accountcode'],
  asserted: ['sip_P-Asserted-Identity', 'sip_p_asserted_identity'],
};

/** The FreeSWITCH columns the agent reads, named: for messages and the self-check. */
export function freeswitchColumns(columns: string[]): {
  time: string;
  calling: string;
  called: string;
  peer: string;
} {
  const pick = (names: string[], what: string) => {
    const found = names.find((n) => columns.includes(n));
    if (!found)
      throw new RecordFileError(
        `the mod_cdr_csv template has no ${what} column (\${${names.join('} or ${')}}); it has ${columns.filter(Boolean).join(', ')}`,
      );
    return found;
  };
  return {
    time: pick(FS.time, 'call time'),
    calling: pick(FS.calling, 'calling number'),
    called: pick(FS.called, 'called number'),
    peer: pick(FS.peer, 'inbound peer'),
  };
}

/**
 * FreeSWITCH mod_cdr_csv: columns as its template names them. `start_epoch` when the template gives
 * it (an instant), else `start_stamp` (the switch's local time: --time-zone).
 */
export function readFreeswitchCsv(
  text: string,
  template = FREESWITCH_EXAMPLE_TEMPLATE,
  file = 'Master.csv',
): Row[] {
  const columns = templateColumns(template);
  const use = freeswitchColumns(columns);
  const asserted = FS.asserted.find((n) => columns.includes(n));
  const idx = (name: string) => columns.indexOf(name);
  return csvRows(text, file).map(({ fields, line }) => {
    if (fields.length !== columns.length)
      throw new RecordFileError(
        `${file} line ${line}: ${fields.length} fields, the template names ${columns.length}: is it the template this file was written with?`,
      );
    const f = (name: string) => fields[idx(name)] ?? '';
    let time = f(use.time);
    // start_uepoch is microseconds; a 16-digit epoch is read as such.
    if (use.time === 'start_uepoch' && /^\d+$/.test(time)) time = time.padStart(16, '0');
    return {
      line,
      record: {
        startTime: time,
        callingNumber: f(use.calling),
        calledNumber: f(use.called),
        inboundPeer: f(use.peer),
        assertedNumber: asserted ? f(asserted) || undefined : undefined,
      },
    };
  });
}

/**
 * Kamailio acc records written to syslog (`acc_log_level`), e.g.
 * `Nov  1 08:03:35 sw1 /usr/sbin/kamailio[812]: NOTICE: acc [acc.c:317]: ACC: transaction answered:
 * timestamp=1730469815;method=INVITE;from_tag=…;call_id=…;code=200;reason=OK;src_user=…;src_ip=…;…`.
 * The syslog stamp has no year, so the time is the line's `timestamp=` (epoch seconds; the final
 * reply, as acc.time). INVITE lines only; other lines in the log are skipped.
 */
export function readKamailioAccLog(text: string, file = 'syslog', columns: KamailioColumns = {}): Row[] {
  const out: Row[] = [];
  // The names log_extra gives each value (--mapping), else the stock kamailio.cfg's.
  const name = {
    calling: columns.calling ?? 'src_user',
    called: columns.called ? [columns.called] : ['dst_user', 'dst_ouser'],
    ip: columns.srcIp ?? 'src_ip',
    port: columns.srcPort ?? (columns.srcIp ? null : 'src_port'),
    asserted: columns.asserted ?? 'pai_user',
    identity: columns.identity ?? null,
  };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const at = l.indexOf('ACC: ');
    if (at < 0) continue;
    const colon = l.indexOf(': ', at + 5);
    if (colon < 0) continue;
    const kv = new Map<string, string>();
    for (const pair of l
      .slice(colon + 2)
      .trim()
      .split(';')) {
      const eq = pair.indexOf('=');
      if (eq > 0) kv.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    if ((kv.get('method') ?? '').toUpperCase() !== 'INVITE') continue;
    const time = kv.get('timestamp') ?? kv.get('time') ?? '';
    if (!time)
      throw new RecordFileError(
        `${file} line ${i + 1}: an acc line without timestamp= (the syslog stamp has no year, so it cannot place the call): set acc's log_extra or keep the default log format`,
      );
    const ip = kv.get(name.ip) ?? '';
    const port = name.port ? (kv.get(name.port) ?? '') : '';
    out.push({
      line: i + 1,
      record: {
        startTime: time,
        callingNumber: kv.get(name.calling) ?? '',
        calledNumber: name.called.map((n) => kv.get(n)).find(Boolean) ?? '',
        inboundPeer: ip && port && port !== '0' ? `${ip}:${port}` : ip,
        assertedNumber: kv.get(name.asserted) || undefined,
        identityHeader: name.identity ? kv.get(name.identity) || undefined : undefined,
      },
    });
  }
  return out;
}

/** A column by its header name or its position (1 = the first). */
const ZColumn = z.union([z.string().min(1), z.number().int().min(1)]);

/** The `--mapping FILE` of `--cdr-format generic`. */
export const ZMapping = z.strictObject({
  columns: z.strictObject({
    start_time: ZColumn,
    calling_number: ZColumn,
    called_number: ZColumn,
    inbound_peer: ZColumn,
    asserted_number: ZColumn.optional(),
    /** The SIP Identity header the call arrived with (decision 0034). */
    identity_header: ZColumn.optional(),
  }),
  /** Whether line 1 names the columns (default: when any column is given by name). */
  header: z.boolean().optional(),
  delimiter: z.string().min(1).max(4).default(','),
  /** `iso` (ISO 8601), `epoch` (Unix seconds, ms or µs), or a pattern of yyyy MM dd HH mm ss (SSS). */
  timeFormat: z
    .string()
    .refine(
      (f) => f === 'iso' || f === 'epoch' || (f.includes('yyyy') && f.includes('MM') && f.includes('dd')),
      {
        message: 'must be iso, epoch, or a pattern naming yyyy, MM and dd (e.g. "dd/MM/yyyy HH:mm:ss")',
      },
    )
    .default('iso'),
  /** The zone of zoneless times (also --time-zone; the two must agree). */
  timeZone: z.string().optional(),
  /** Seconds a record's time may lag the call start (a switch writing the answer time). */
  lateSeconds: z.number().int().min(0).max(3600).default(0),
});
export type TMapping = z.infer<typeof ZMapping>;

const TOKENS: Record<string, string> = {
  yyyy: '(?<y>\\d{4})',
  MM: '(?<mo>\\d{1,2})',
  dd: '(?<d>\\d{1,2})',
  HH: '(?<h>\\d{1,2})',
  mm: '(?<mi>\\d{2})',
  ss: '(?<s>\\d{2})',
  SSS: '(?<ms>\\d{1,6})',
};

/** A time pattern as a reader: the text's wall clock as zoneless ISO (the zone is the source's). */
export function timePattern(pattern: string): (raw: string) => string | null {
  let src = '';
  for (let i = 0; i < pattern.length;) {
    const tok = ['yyyy', 'SSS', 'MM', 'dd', 'HH', 'mm', 'ss'].find((t) => pattern.startsWith(t, i));
    if (tok) {
      src += TOKENS[tok];
      i += tok.length;
    } else {
      src += pattern[i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      i++;
    }
  }
  const re = new RegExp(`^${src}$`);
  const two = (v: string | undefined) => (v ?? '0').padStart(2, '0');
  return (raw) => {
    const g = re.exec(raw.trim())?.groups;
    if (!g) return null;
    const frac = g.ms ? `.${g.ms}` : '';
    return `${g.y}-${two(g.mo)}-${two(g.d)}T${two(g.h)}:${two(g.mi)}:${two(g.s)}${frac}`;
  };
}

/** A CSV described by a mapping: columns by name or position, the time in the mapping's format. */
export function readGenericCsv(text: string, mapping: TMapping, file = 'records'): Row[] {
  const cols = mapping.columns;
  const byName = Object.values(cols).some((c) => typeof c === 'string');
  const header = mapping.header ?? byName;
  if (byName && !header)
    throw new RecordFileError('the mapping names columns by name but says the file has no header line');
  const rows = csvRows(text, file, mapping.delimiter);
  const names = header ? (rows.shift()?.fields ?? []) : [];
  const index = (c: string | number, what: string) => {
    if (typeof c === 'number') return c - 1;
    const i = names.findIndex((n) => n.toLowerCase() === c.toLowerCase());
    if (i < 0)
      throw new RecordFileError(`${file} has no column "${c}" (${what}); it has ${names.join(', ')}`);
    return i;
  };
  const at = {
    time: index(cols.start_time, 'start_time'),
    calling: index(cols.calling_number, 'calling_number'),
    called: index(cols.called_number, 'called_number'),
    peer: index(cols.inbound_peer, 'inbound_peer'),
    asserted: cols.asserted_number === undefined ? -1 : index(cols.asserted_number, 'asserted_number'),
    identity: cols.identity_header === undefined ? -1 : index(cols.identity_header, 'identity_header'),
  };
  const width = Math.max(at.time, at.calling, at.called, at.peer, at.asserted, at.identity) + 1;
  const pattern =
    mapping.timeFormat === 'iso' || mapping.timeFormat === 'epoch' ? null : timePattern(mapping.timeFormat);
  return rows.map(({ fields, line }) => {
    if (fields.length < width)
      throw new RecordFileError(
        `${file} line ${line}: ${fields.length} fields, the mapping reads column ${width}`,
      );
    const raw = fields[at.time]!;
    let time = raw;
    if (pattern) {
      const t = pattern(raw);
      if (t === null)
        throw new RecordFileError(
          `${file} line ${line}: start time "${raw}" is not in the mapping's format ${mapping.timeFormat}`,
        );
      time = t;
    } else if (mapping.timeFormat === 'epoch' && !/^\d+(\.\d+)?$/.test(raw))
      throw new RecordFileError(`${file} line ${line}: start time "${raw}" is not a Unix epoch`);
    else if (mapping.timeFormat === 'iso' && /^\d+(\.\d+)?$/.test(raw))
      throw new RecordFileError(
        `${file} line ${line}: start time "${raw}" is an epoch, the mapping says iso`,
      );
    return {
      line,
      record: {
        startTime: time,
        callingNumber: fields[at.calling]!,
        calledNumber: fields[at.called]!,
        inboundPeer: fields[at.peer]!,
        assertedNumber: at.asserted >= 0 ? fields[at.asserted] || undefined : undefined,
        identityHeader: at.identity >= 0 ? fields[at.identity] || undefined : undefined,
      },
    };
  });
}

/** Reads a `--mapping` file: JSON checked against ZMapping, each problem naming its field. */
export function readMapping(file: string): TMapping {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new RecordFileError(`--mapping ${file}: ${(err as Error).message}`);
  }
  const parsed = ZMapping.safeParse(raw);
  if (!parsed.success)
    throw new RecordFileError(
      `--mapping ${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'} ${i.message}`).join('; ')}`,
    );
  if (parsed.data.timeZone) {
    try {
      checkTimeZone(parsed.data.timeZone);
    } catch (err) {
      throw new RecordFileError(
        `--mapping ${file}: timeZone ${(err as Error).message.replace(/^--time-zone /, '')}`,
      );
    }
  }
  return parsed.data;
}

export interface FileSourceOptions {
  format: FileFormat;
  timeZone?: string | null;
  /** generic: the mapping; freeswitch-csv: the template (text of cdr_csv.conf.xml or one template). */
  mapping?: TMapping;
  template?: string;
  /** kamailio-acc-log: the log_extra names the provider configured. */
  kamailio?: KamailioColumns;
}

/** Seconds a record's time may lag the call, per format (Kamailio writes the final reply's time). */
const LATE: Record<FileFormat, number> = {
  hoptrace: 0,
  'asterisk-csv': 0,
  'freeswitch-csv': 0,
  'kamailio-acc-log': 120,
  generic: 0,
};

const LABEL: Record<FileFormat, string> = {
  hoptrace: 'hoptrace columns',
  'asterisk-csv': 'Asterisk cdr_csv',
  'freeswitch-csv': 'FreeSWITCH mod_cdr_csv',
  'kamailio-acc-log': 'Kamailio acc log lines',
  generic: 'generic, by mapping',
};

/** The zone of a file's zoneless times: --time-zone or the mapping's, which must agree. */
function zoneOf(opts: FileSourceOptions): string | null {
  const mappingZone = opts.mapping?.timeZone ?? null;
  const given = opts.timeZone ?? null;
  if (mappingZone && given && mappingZone !== given)
    throw new RecordFileError(
      `--time-zone ${given} and the mapping's timeZone ${mappingZone} disagree: give one`,
    );
  return given ?? mappingZone;
}

/** Whether line 1 of a file in this format names the columns (and is not a record). */
function hasHeader(opts: FileSourceOptions): boolean {
  if (opts.format === 'hoptrace') return true;
  if (opts.format !== 'generic' || !opts.mapping) return false;
  return opts.mapping.header ?? Object.values(opts.mapping.columns).some((c) => typeof c === 'string');
}

/** The rows of a file's text in one of the file formats, each with its line in that text. */
function rowsOfText(text: string, file: string, opts: FileSourceOptions): Row[] {
  switch (opts.format) {
    case 'hoptrace':
      // Line 1 is the header (rows with line breaks inside quotes are rare in call records).
      return readRecordsCsv(text).map((record, i) => ({ record, line: i + 2 }));
    case 'asterisk-csv':
      return readAsteriskCsv(text, file);
    case 'freeswitch-csv':
      return readFreeswitchCsv(text, opts.template, file);
    case 'kamailio-acc-log':
      return readKamailioAccLog(text, file, opts.kamailio);
    case 'generic':
      if (!opts.mapping) throw new RecordFileError('--cdr-format generic needs --mapping FILE');
      return readGenericCsv(text, opts.mapping, file);
  }
}

/** Records read from the text of a file in one of the file formats. */
export function recordsFromText(text: string, file: string, opts: FileSourceOptions): MemoryRecords {
  const zone = zoneOf(opts);
  const rows = rowsOfText(text, file, opts);
  return new MemoryRecords(
    rows.map((r) => r.record),
    {
      timeZone: zone,
      label: `${file} (${LABEL[opts.format]})`,
      rowName: (i) => `${file} line ${rows[i]?.line ?? '?'}`,
      lateSeconds: opts.format === 'generic' ? (opts.mapping?.lateSeconds ?? 0) : LATE[opts.format],
    },
  );
}

/** Records read from a file in one of the file formats. */
export function fileRecordSource(file: string, opts: FileSourceOptions): MemoryRecords {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new RecordFileError(`--records ${file}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  return recordsFromText(text, file, opts);
}

/** A file's identity and length, to tell an append from a rotation or a truncation. */
interface FileState {
  ino: number;
  dev: number;
  size: number;
  mtimeMs: number;
}

/** Bytes before the read offset kept to check that what was read is still there (not rewritten). */
const TAIL_BYTES = 256;

/**
 * A records file the switch keeps writing (Master.csv, syslog): read at start, then, before a look-up
 * when its size or time changed (at most every `intervalMs`: a busy switch's file changes every
 * second), only what was appended since: complete lines from the last offset. A file replaced
 * (another inode: logrotate's rename), shorter than the offset (copytruncate) or whose bytes before
 * the offset changed (rewritten in place) is read again from the start. A last line without its
 * newline is still being written and waits for the next read. A read that fails keeps nothing
 * half-read: the error goes to the caller (the agent skips the hop and tries again on its next poll),
 * the offset stays and the next look-up reads again.
 */
export class FileRecords implements RecordSource {
  #current!: MemoryRecords;
  /** The file as last read; `size` is the offset read up to (complete lines only). */
  #read!: FileState;
  #seen!: { size: number; mtimeMs: number };
  /** The bytes just before the offset, and the number of lines read. */
  #tail = Buffer.alloc(0);
  #lines = 0;
  /** The header line of formats that have one, put before appended lines so they parse alike. */
  #header = '';
  #wholeNext = false;
  #checkedAt: number;
  readonly #now: () => number;
  /** Reads of the whole file and of appended lines only (for tests and the decision's measurements). */
  readonly reads = { whole: 0, appended: 0 };
  constructor(
    readonly file: string,
    readonly opts: FileSourceOptions,
    readonly intervalMs = 10_000,
    now: () => number = () => Date.now(),
  ) {
    this.#now = now;
    this.#readWhole(this.#stat());
    this.#checkedAt = now();
  }

  get label(): string {
    return this.#current.label;
  }
  get zone(): string {
    return this.#current.zone;
  }
  get size(): number {
    return this.#current.size;
  }

  #fail(err: unknown): never {
    throw new RecordFileError(
      `--records ${this.file}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`,
    );
  }

  #stat(): FileState {
    try {
      const st = statSync(this.file);
      return { ino: st.ino, dev: st.dev, size: st.size, mtimeMs: st.mtimeMs };
    } catch (err) {
      return this.#fail(err);
    }
  }

  /** Bytes [from, to) of the file. */
  #bytes(from: number, to: number): Buffer {
    let fd: number | undefined;
    try {
      fd = openSync(this.file, 'r');
      const buf = Buffer.alloc(Math.max(0, to - from));
      let got = 0;
      while (got < buf.length) {
        const n = readSync(fd, buf, got, buf.length - got, from + got);
        if (n === 0) break;
        got += n;
      }
      return buf.subarray(0, got);
    } catch (err) {
      return this.#fail(err);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /** Remembers what was read up to `offset` (complete lines: `complete` the new ones, `upTo` ending at the offset). */
  #advance(st: FileState, offset: number, complete: Buffer, upTo: Buffer) {
    this.#read = { ...st, size: offset };
    this.#tail = Buffer.from(upTo.subarray(Math.max(0, upTo.length - TAIL_BYTES)));
    this.#lines += complete.reduce((n, b) => (b === 0x0a ? n + 1 : n), 0);
    // Only what was read counts as seen: a partial last line makes the next look-up read again.
    this.#seen = offset === st.size ? st : { size: -1, mtimeMs: st.mtimeMs };
  }

  #readWhole(st: FileState): void {
    const buf = this.#bytes(0, st.size);
    const complete = buf.subarray(0, buf.lastIndexOf(0x0a) + 1);
    // At start a last line without its newline is read too (a file the switch no longer writes, or
    // one written by hand); should the file then grow, it is read whole again, not from mid-line.
    const first = this.#current === undefined;
    const text = (first ? buf : complete).toString('utf8');
    this.#current = recordsFromText(text, this.file, this.opts);
    this.#wholeNext = first && complete.length < buf.length;
    this.#lines = 0;
    this.#header = hasHeader(this.opts) ? text.slice(0, text.indexOf('\n') + 1) : '';
    this.reads.whole++;
    this.#advance(st, complete.length, complete, complete);
    if (this.#wholeNext) this.#seen = st;
  }

  #readAppended(st: FileState): void {
    const from = this.#read.size;
    const buf = this.#bytes(from - this.#tail.length, st.size);
    if (!buf.subarray(0, this.#tail.length).equals(this.#tail)) return this.#readWhole(st);
    const added = buf.subarray(this.#tail.length);
    const complete = added.subarray(0, added.lastIndexOf(0x0a) + 1);
    if (complete.length === 0) {
      this.#seen = { size: -1, mtimeMs: st.mtimeMs };
      return;
    }
    // The new lines alone, after the header where the format has one; their lines in the file.
    const prefix = this.#header ? 1 : 0;
    const base = this.#lines;
    const inFile = (line: number) => base + line - prefix;
    let rows: Row[];
    try {
      rows = rowsOfText(this.#header + complete.toString('utf8'), this.file, this.opts);
    } catch (err) {
      // The readers name lines of the text they were given: said again as lines of the file.
      if (!(err instanceof RecordFileError)) throw err;
      const at = `${this.file} line `;
      const m = err.message.startsWith(at) ? /^(\d+)([\s\S]*)$/.exec(err.message.slice(at.length)) : null;
      throw new RecordFileError(m ? `${at}${inFile(Number(m[1]))}${m[2]}` : err.message);
    }
    this.#current.append(
      rows.map((r) => r.record),
      (i) => `${this.file} line ${rows[i] ? inFile(rows[i].line) : '?'}`,
    );
    this.reads.appended++;
    this.#advance(st, from + complete.length, complete, buf.subarray(0, this.#tail.length + complete.length));
  }

  #refresh(): void {
    const now = this.#now();
    if (now - this.#checkedAt < this.intervalMs) return;
    const st = this.#stat();
    this.#checkedAt = now;
    if (st.size === this.#seen.size && st.mtimeMs === this.#seen.mtimeMs) return;
    const replaced = st.ino !== this.#read.ino || st.dev !== this.#read.dev || st.size < this.#read.size;
    if (replaced || this.#wholeNext || this.#read.size === 0) this.#readWhole(st);
    else this.#readAppended(st);
  }

  async lookup(call: HopCall, opts: LookupOptions): Promise<Lookup | null> {
    this.#refresh();
    return this.#current.lookup(call, opts);
  }

  async sample(limit: number): Promise<RecordSample> {
    this.#refresh();
    return this.#current.sample(limit);
  }
}
