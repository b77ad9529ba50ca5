import pg from 'pg';
import { findCandidates, type HopCall, type Lookup, type TimedRecord } from './decide';
import type { KamailioColumns } from './kamailio';
import { RecordFileError, type LookupOptions, type RecordSample, type RecordSource } from './records';

export type PgFormat = 'hoptrace' | 'kamailio-acc' | 'asterisk-pgsql' | 'generic';

/** Column names of a `generic` table (from `--mapping`: names only, a table has no positions). */
export interface PgMapping {
  start_time: string;
  calling_number: string;
  called_number: string;
  inbound_peer: string;
  asserted_number?: string | undefined;
  identity_header?: string | undefined;
  lateSeconds?: number;
}

interface Spec {
  time: string;
  calling: string[];
  called: string[];
  peer: string[];
  port?: string;
  /** SQL turning the peer column (`$COL`) into the peer's name (Asterisk: the channel's endpoint). */
  peerExpr?: string;
  asserted?: string[];
  /** The Identity header the call arrived with, where the table keeps it (decision 0034). */
  identity?: string[];
  /** The identity column was named by the operator (a mapping): its absence is an error, not "not recorded". */
  identityNamed?: boolean;
  where?: string;
  lateSeconds: number;
  also?: string;
}

/**
 * Which columns hold what, per format. Kamailio's `acc.time` is when the final reply passed (the
 * answer, or the failure in `missed_calls`), so a record may lag the INVITE by the ringing time:
 * `lateSeconds` is Kamailio's default INVITE timer (fr_inv_timer, 120 s).
 */
const FORMATS: Record<Exclude<PgFormat, 'generic'>, Spec> = {
  hoptrace: {
    time: 'start_time',
    calling: ['calling_number'],
    called: ['called_number'],
    peer: ['inbound_peer'],
    identity: ['identity_header'],
    lateSeconds: 0,
  },
  'kamailio-acc': {
    time: 'time',
    calling: ['src_user'],
    called: ['dst_user', 'dst_ouser'],
    peer: ['src_ip'],
    port: 'src_port',
    asserted: ['pai_user'],
    where: `method = 'INVITE'`,
    lateSeconds: 120,
    also: 'missed_calls',
  },
  // Asterisk cdr_pgsql's cdr table: calldate is the call's start; the endpoint is the channel's name
  // without its technology and sequence number (`PJSIP/trunk-a-00000001` → `trunk-a`), as asteriskEndpoint.
  'asterisk-pgsql': {
    time: 'calldate',
    calling: ['src'],
    called: ['dst'],
    peer: ['channel'],
    peerExpr: `regexp_replace(regexp_replace(regexp_replace($COL, ';[0-9]+$', ''), '^[^/]*/', ''), '-[0-9a-fA-F]+$', '')`,
    lateSeconds: 0,
  },
};

const specOf = (format: PgFormat, mapping?: PgMapping, kamailio?: KamailioColumns): Spec => {
  if (format === 'kamailio-acc' && kamailio) {
    // The provider's db_extra names the columns: a column it names replaces the stock one.
    const { port: stockPort, ...base } = FORMATS[format];
    const k = kamailio;
    // The stock src_port goes with the stock src_ip; a renamed source column has the port it names.
    const port = k.srcPort ?? (k.srcIp ? undefined : stockPort);
    return {
      ...base,
      calling: k.calling ? [k.calling] : base.calling,
      called: k.called ? [k.called] : base.called,
      peer: k.srcIp ? [k.srcIp] : base.peer,
      asserted: k.asserted ? [k.asserted] : (base.asserted ?? []),
      ...(port ? { port } : {}),
      ...(k.identity ? { identity: [k.identity], identityNamed: true } : {}),
    };
  }
  if (format !== 'generic') return FORMATS[format];
  if (!mapping) throw new RecordFileError('--cdr-format generic needs --mapping FILE');
  return {
    time: mapping.start_time,
    calling: [mapping.calling_number],
    called: [mapping.called_number],
    peer: [mapping.inbound_peer],
    ...(mapping.asserted_number ? { asserted: [mapping.asserted_number] } : {}),
    ...(mapping.identity_header ? { identity: [mapping.identity_header], identityNamed: true } : {}),
    lateSeconds: mapping.lateSeconds ?? 0,
  };
};

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;
const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

interface Part {
  from: string;
  /** The time column as timestamptz (`$ZONE`: the switch's zone). */
  t: string;
  /** An instant parameter in the column's own type (keeps its index usable). */
  bound: (param: string) => string;
  timeCol: string;
  select: string;
  where: string;
}

/** A message for a failed query that names no secret (the URL's password never appears). */
function pgMessage(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e.code ? `${e.message ?? 'failed'} (PostgreSQL ${e.code})` : (e.message ?? String(err));
}

/**
 * A table of the provider's own (not hoptrace's database): the hoptrace columns, or a switch's native
 * table. Columns and their types are read first; a zoneless `timestamp` column needs the switch's zone
 * and is converted by PostgreSQL (`AT TIME ZONE`), never read in this process's zone.
 */
export class PgRecords implements RecordSource {
  readonly #pool: pg.Pool;
  readonly #table: string;
  readonly #format: PgFormat;
  readonly #spec: Spec;
  readonly #zone: string | null;
  #parts: Promise<{ parts: Part[]; columns: string[] }> | null = null;
  readonly label: string;
  readonly zone: string;

  constructor(
    url: string,
    table: string,
    opts: {
      format?: PgFormat;
      timeZone?: string | null;
      mapping?: PgMapping;
      /** kamailio-acc: the db_extra columns the provider configured (--mapping). */
      kamailio?: KamailioColumns;
    } = {},
  ) {
    if (!IDENTIFIER.test(table)) throw new RecordFileError(`--pg-table "${table}" is not a table name`);
    this.#table = table;
    this.#format = opts.format ?? 'hoptrace';
    this.#spec = specOf(this.#format, opts.mapping, opts.kamailio);
    this.#zone = opts.timeZone ?? null;
    this.zone = this.#zone ?? 'UTC';
    this.label = `table ${table} (${this.#format})`;
    this.#pool = new pg.Pool({ connectionString: url, max: 2 });
    // An idle client's error (the server restarting) must not end the process: the next query reports it.
    this.#pool.on('error', () => {});
  }

  async #columnsOf(table: string): Promise<Map<string, string> | null> {
    const [schema, name] = table.includes('.') ? table.split('.') : [null, table];
    const { rows } = await this.#pool.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns
        WHERE table_name = $1 AND table_schema = coalesce($2, current_schema()) ORDER BY ordinal_position`,
      [name, schema],
    );
    return rows.length ? new Map(rows.map((r) => [r.column_name, r.data_type])) : null;
  }

  #part(table: string, cols: Map<string, string>): Part {
    const f = this.#spec;
    const pick = (names: string[], what: string) => {
      const found = names.find((n) => cols.has(n));
      if (!found)
        throw new RecordFileError(
          `${table} has no ${what} column (${names.join(' or ')}); it has ${[...cols.keys()].join(', ')}`,
        );
      return found;
    };
    const type = cols.get(f.time);
    if (!type)
      throw new RecordFileError(
        `${table} has no ${f.time} column (the call time); it has ${[...cols.keys()].join(', ')}`,
      );
    const col = q(f.time);
    let t: string;
    let bound: (p: string) => string;
    if (type === 'timestamp with time zone') {
      t = col;
      bound = (p) => `${p}::timestamptz`;
    } else if (type === 'timestamp without time zone') {
      if (!this.#zone)
        throw new RecordFileError(
          `${table}.${f.time} is a timestamp without time zone: give --time-zone (the zone the switch writes in, e.g. America/Chicago or UTC)`,
        );
      t = `(${col} AT TIME ZONE $ZONE::text)`;
      bound = (p) => `(${p}::timestamptz AT TIME ZONE $ZONE::text)`;
    } else if (['integer', 'bigint', 'numeric', 'double precision'].includes(type)) {
      t = `to_timestamp(${col})`;
      bound = (p) => `extract(epoch FROM ${p}::timestamptz)`;
    } else throw new RecordFileError(`${table}.${f.time} is ${type}, not a time the agent can read`);
    const calling = pick(f.calling, 'calling number');
    const called = pick(f.called, 'called number');
    const peerCol = pick(f.peer, 'inbound peer');
    const peer =
      f.port && cols.has(f.port)
        ? `CASE WHEN ${q(f.port)} IS NULL OR ${q(f.port)}::text IN ('', '0') THEN ${q(peerCol)}::text ELSE ${q(peerCol)}::text || ':' || ${q(f.port)}::text END`
        : f.peerExpr
          ? f.peerExpr.replaceAll('$COL', `${q(peerCol)}::text`)
          : `${q(peerCol)}::text`;
    const asserted = f.asserted?.find((n) => cols.has(n));
    const identity = f.identity?.find((n) => cols.has(n));
    if (f.identityNamed && f.identity && !identity)
      throw new RecordFileError(
        `${table} has no ${f.identity.join(' or ')} column (the Identity header, as the mapping says); it has ${[...cols.keys()].join(', ')}`,
      );
    return {
      from: table
        .split('.')
        .map((p) => q(p))
        .join('.'),
      t,
      bound,
      timeCol: col,
      select: `${t} AS t, ${q(calling)}::text AS calling, ${q(called)}::text AS called, ${peer} AS peer, ${asserted ? `${q(asserted)}::text` : 'NULL::text'} AS asserted, ${identity ? `${q(identity)}::text` : 'NULL::text'} AS identity`,
      where: f.where ?? 'true',
    };
  }

  /** The table's parts (Kamailio: `acc` and, where it exists, `missed_calls` beside it), checked once. */
  #load() {
    this.#parts ??= (async () => {
      let cols: Map<string, string> | null;
      try {
        cols = await this.#columnsOf(this.#table);
      } catch (err) {
        throw new RecordFileError(`cannot read ${this.#table}: ${pgMessage(err)}`);
      }
      if (!cols) throw new RecordFileError(`there is no table ${this.#table}`);
      const parts = [this.#part(this.#table, cols)];
      const also = this.#spec.also;
      if (also) {
        const sibling = this.#table.includes('.') ? `${this.#table.split('.')[0]}.${also}` : also;
        const siblingCols = sibling !== this.#table ? await this.#columnsOf(sibling) : null;
        if (siblingCols) parts.push(this.#part(sibling, siblingCols));
      }
      return { parts, columns: [...cols.keys()] };
    })();
    // A failed check is reported again on the next call, not cached as a rejected promise forever.
    this.#parts.catch(() => (this.#parts = null));
    return this.#parts;
  }

  /** Runs a statement; the switch's zone, where it uses it (`$ZONE`), is its last parameter. */
  async #query<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<R[]> {
    const zoned = sql.includes('$ZONE');
    const text = zoned ? sql.replaceAll('$ZONE', `$${params.length + 1}`) : sql;
    try {
      return (await this.#pool.query<R>(text, zoned ? [...params, this.#zone ?? 'UTC'] : params)).rows;
    } catch (err) {
      throw new RecordFileError(`reading ${this.#table} failed: ${pgMessage(err)}`);
    }
  }

  async lookup(call: HopCall, opts: LookupOptions): Promise<Lookup | null> {
    const at = Date.parse(call.startedAt);
    if (Number.isNaN(at)) return null;
    const { parts } = await this.#load();
    const late = this.#spec.lateSeconds;
    const tol = opts.toleranceSeconds * 1000;
    const w = opts.coverageSeconds * 1000;
    const rows = await this.#query<{
      t: Date;
      calling: string;
      called: string;
      peer: string;
      asserted: string | null;
      identity: string | null;
    }>(
      parts
        .map(
          (p) =>
            `SELECT ${p.select} FROM ${p.from} WHERE ${p.where} AND ${p.timeCol} BETWEEN ${p.bound('$1')} AND ${p.bound('$2')}`,
        )
        .join(' UNION ALL '),
      [new Date(at - tol).toISOString(), new Date(at + tol + late * 1000).toISOString()],
    );
    const candidates = findCandidates(
      call,
      rows.map((r): TimedRecord => ({
        at: new Date(r.t).getTime(),
        startTime: new Date(r.t).toISOString(),
        callingNumber: String(r.calling ?? ''),
        calledNumber: String(r.called ?? ''),
        inboundPeer: String(r.peer ?? ''),
        assertedNumber: r.asserted ?? undefined,
        identityHeader: r.identity || undefined,
      })),
      opts.toleranceSeconds,
      late,
    );
    if (!candidates) return null;
    const [cov] = await this.#query<{ before: Date | null; after: Date | null }>(
      `SELECT max(t) FILTER (WHERE t <= $2::timestamptz) AS before, min(t) FILTER (WHERE t >= $2::timestamptz) AS after
         FROM (${parts.map((p) => `SELECT ${p.t} AS t FROM ${p.from} WHERE ${p.where} AND ${p.timeCol} BETWEEN ${p.bound('$1')} AND ${p.bound('$3')}`).join(' UNION ALL ')}) s`,
      [new Date(at - w).toISOString(), new Date(at).toISOString(), new Date(at + w).toISOString()],
    );
    return {
      candidates,
      coverage: {
        before: cov?.before ? new Date(cov.before).getTime() : null,
        after: cov?.after ? new Date(cov.after).getTime() : null,
        windowSeconds: opts.coverageSeconds,
        zone: this.zone,
      },
    };
  }

  async sample(limit: number): Promise<RecordSample> {
    const { parts, columns } = await this.#load();
    const main = parts[0]!;
    const rows = await this.#query<{
      t: Date;
      calling: string;
      called: string;
      peer: string;
      asserted: string | null;
      identity: string | null;
    }>(
      `SELECT ${main.select} FROM ${main.from} WHERE ${main.where} ORDER BY ${main.timeCol} DESC LIMIT ${Math.floor(limit)}`,
      [],
    );
    const [range] = await this.#query<{ from: Date | null; to: Date | null }>(
      `SELECT min(${main.t}) AS from, max(${main.t}) AS to FROM ${main.from} WHERE ${main.where}`,
      [],
    );
    return {
      columns,
      records: rows.map((r) => ({
        at: new Date(r.t).getTime(),
        startTime: new Date(r.t).toISOString(),
        callingNumber: String(r.calling ?? ''),
        calledNumber: String(r.called ?? ''),
        inboundPeer: String(r.peer ?? ''),
        assertedNumber: r.asserted ?? undefined,
        identityHeader: r.identity || undefined,
      })),
      range:
        range?.from && range.to
          ? { from: new Date(range.from).getTime(), to: new Date(range.to).getTime() }
          : null,
    };
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}
