import { SQL, getTableColumns, getTableName, sql, type SQLWrapper } from 'drizzle-orm';
import { PgDialect, type PgColumn, type PgTable } from 'drizzle-orm/pg-core';
import type { Executor } from '../client';

const dialect = new PgDialect();

/**
 * Deferred writes: a transaction that holds them sends every write whose result
 * nobody reads back as ONE statement at the end (`flushWrites`), however many
 * commands ran in it. Rows of the same table are merged into one multi-row
 * INSERT, and updates of the same columns into one UPDATE … FROM (VALUES …), so
 * a batch of hop answers costs one write statement, not several per answer.
 *
 * The rules that keep this correct:
 * - code that defers a write must not read the row back from the database in
 *   the same transaction (it keeps the row it wrote in memory instead);
 * - two updates of one row are merged in order (the later value wins), and an
 *   update of a row inserted in the same batch is folded into the insert;
 * - the writes run on one snapshot, so none may depend on another's effect
 *   (each writes its own rows); foreign keys between them are checked at the
 *   end of the statement, so a row may reference one inserted beside it.
 */
interface UpdateOp {
  table: PgTable;
  key: PgColumn;
  id: unknown;
  patch: Record<string, unknown>;
  /** Only rows where this column is still NULL (e.g. links not yet expired). */
  whereNull?: PgColumn | undefined;
}
type Op =
  | { kind: 'insert'; table: PgTable; rows: Record<string, unknown>[]; ignoreConflicts: boolean }
  | ({ kind: 'update' } & UpdateOp)
  | { kind: 'sql'; query: SQL };

const queues = new WeakMap<Executor, Op[]>();

/** From now on, this transaction holds its deferrable writes until `flushWrites`. */
export function deferWrites(tx: Executor): void {
  if (!queues.has(tx)) queues.set(tx, []);
}

export function defersWrites(db: Executor): boolean {
  return queues.has(db);
}

/** A point in the held writes to go back to (`discardWritesSince`) when a command fails half-way. */
export function writesMark(tx: Executor): number {
  return queues.get(tx)?.length ?? 0;
}

/** Drops the writes held since `mark`: a command of a batch failed, the others' writes stay. */
export function discardWritesSince(tx: Executor, mark: number): void {
  queues.get(tx)?.splice(mark);
}

/** Runs a write now, or holds it when the transaction defers writes. */
export async function writeOrDefer(db: Executor, query: SQLWrapper): Promise<void> {
  const queue = queues.get(db);
  if (queue) queue.push({ kind: 'sql', query: query.getSQL() });
  else await db.execute(query);
}

/** Inserts rows now, or holds them (merged with the table's other held rows) when the transaction defers writes. */
export async function insertOrDefer(
  db: Executor,
  table: PgTable,
  rows: Record<string, unknown>[],
  opts: { ignoreConflicts?: boolean } = {},
): Promise<void> {
  if (rows.length === 0) return;
  const ignoreConflicts = opts.ignoreConflicts ?? false;
  const queue = queues.get(db);
  if (queue) {
    queue.push({ kind: 'insert', table, rows, ignoreConflicts });
    return;
  }
  const insert = db.insert(table).values(rows);
  await (ignoreConflicts ? insert.onConflictDoNothing() : insert);
}

/**
 * Updates the rows whose `key` is `id` (one row by its primary key, or every row of a parent),
 * optionally only where `whereNull` is still NULL, now or held when the transaction defers writes.
 */
export async function updateOrDefer(
  db: Executor,
  table: PgTable,
  key: PgColumn,
  id: unknown,
  patch: Record<string, unknown>,
  opts: { whereNull?: PgColumn } = {},
): Promise<void> {
  const queue = queues.get(db);
  if (queue) {
    // An undefined value leaves the column alone, as in Drizzle's `set`.
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    queue.push({ kind: 'update', table, key, id, patch: defined, whereNull: opts.whereNull });
    return;
  }
  const match = sql`${key} = ${sql.param(id, key)}`;
  await db
    .update(table)
    .set(patch)
    .where(opts.whereNull ? sql`${match} AND ${opts.whereNull} IS NULL` : match);
}

/** Sends the held writes as one statement and stops holding them. */
export async function flushWrites(tx: Executor): Promise<void> {
  const statement = heldWritesStatement(tx);
  if (statement) await tx.execute(statement);
}

/** The held writes as one statement (undefined when none are held), and stops holding them. */
export function heldWritesStatement(tx: Executor): SQL | undefined {
  const queue = queues.get(tx);
  queues.delete(tx);
  if (!queue?.length) return undefined;
  const statements = coalesce(tx, queue);
  const last = statements.pop()!;
  if (statements.length === 0) return last;
  const ctes = sql.join(
    statements.map((q, i) => sql`${sql.raw(`w${i}`)} AS (${q})`),
    sql`, `,
  );
  return sql`WITH ${ctes} ${last}`;
}

/** Drops every held write and stops holding them (the transaction failed). */
export function discardHeldWrites(tx: Executor): void {
  queues.delete(tx);
}

/** Held operations → statements: inserts merged per table, updates merged per row and per set of columns. */
function coalesce(db: Executor, queue: Op[]): SQL[] {
  const inserts = new Map<string, { table: PgTable; rows: Record<string, unknown>[]; ignore: boolean }>();
  // Rows inserted in this batch, by table and key, so a later update is folded into them.
  const insertedByKey = new Map<string, Record<string, unknown>>();
  const updates = new Map<string, UpdateOp>();
  const raw: SQL[] = [];
  for (const op of queue) {
    if (op.kind === 'sql') raw.push(op.query);
    else if (op.kind === 'insert') {
      const name = `${getTableName(op.table)}:${op.ignoreConflicts}`;
      const group = inserts.get(name) ?? { table: op.table, rows: [], ignore: op.ignoreConflicts };
      inserts.set(name, group);
      for (const row of op.rows) {
        const copy = { ...row };
        group.rows.push(copy);
        if (typeof copy.id === 'string') insertedByKey.set(`${getTableName(op.table)}:id:${copy.id}`, copy);
      }
    } else {
      const rowKey = `${getTableName(op.table)}:${op.key.name}:${String(op.id)}:${op.whereNull?.name ?? ''}`;
      const inserted =
        op.key.name === 'id' && !op.whereNull
          ? insertedByKey.get(`${getTableName(op.table)}:id:${String(op.id)}`)
          : undefined;
      if (inserted) Object.assign(inserted, op.patch);
      else {
        if (op.key.name !== 'id' || op.whereNull) {
          // An update found by another key (a hop's links) also meets rows held for insert:
          // the statement's snapshot would not show them to the UPDATE, so they are patched here.
          const keyField = fieldOf(op.table, op.key);
          const nullField = op.whereNull ? fieldOf(op.table, op.whereNull) : undefined;
          const heldRows = [false, true].flatMap(
            (ignore) => inserts.get(`${getTableName(op.table)}:${ignore}`)?.rows ?? [],
          );
          for (const row of heldRows)
            if (
              row[keyField] === op.id &&
              (nullField === undefined || row[nullField] === undefined || row[nullField] === null)
            )
              Object.assign(row, op.patch);
        }
        const held = updates.get(rowKey);
        if (held) Object.assign(held.patch, op.patch);
        else updates.set(rowKey, { ...op, patch: { ...op.patch } });
      }
    }
  }
  const out: SQL[] = [];
  for (const g of inserts.values()) {
    const json = g.rows.every(plain) ? insertJson(g.table, g.rows, g.ignore) : undefined;
    if (json) out.push(json);
    else {
      // Values JSON cannot carry, or a default that cannot be written inline: Drizzle's own insert.
      const insert = db.insert(g.table).values(g.rows);
      out.push((g.ignore ? insert.onConflictDoNothing() : insert).getSQL());
    }
  }
  // One statement cannot update a row twice (PostgreSQL applies one of the two), so a table's
  // held updates must all find their rows the same way; mixing is refused, not half-applied.
  const wayOf = new Map<string, string>();
  for (const u of updates.values()) {
    const way = `${u.key.name}:${u.whereNull?.name ?? ''}`;
    const table = getTableName(u.table);
    const seen = wayOf.get(table);
    if (seen !== undefined && seen !== way)
      throw new Error(
        `held updates of ${table} by different keys or conditions (${seen} and ${way}) cannot share a statement`,
      );
    wayOf.set(table, way);
  }
  // Updates of the same table and the same columns become one UPDATE … FROM (VALUES …).
  const byShape = new Map<string, Array<UpdateOp>>();
  for (const u of updates.values()) {
    const shape = `${getTableName(u.table)}:${u.key.name}:${u.whereNull?.name ?? ''}:${Object.keys(u.patch).sort().join(',')}`;
    const list = byShape.get(shape) ?? [];
    list.push(u);
    byShape.set(shape, list);
  }
  for (const list of byShape.values())
    out.push(list.every((u) => plain(u.patch)) ? updateJson(list) : updateMany(list));
  out.push(...raw);
  return out;
}

/** Values JSON carries as PostgreSQL reads them back (no SQL expressions, no bytes). */
function plain(row: Record<string, unknown>): boolean {
  return Object.values(row).every(
    (v) => !(v instanceof SQL) && !Buffer.isBuffer(v) && !(v instanceof Uint8Array),
  );
}

/** The field name (as rows and patches spell it) of one of the table's columns. */
function fieldOf(table: PgTable, column: PgColumn): string {
  const columns = getTableColumns(table) as Record<string, PgColumn>;
  return Object.keys(columns).find((k) => columns[k] === column)!;
}

function columnsOf(table: PgTable, fields: string[]): PgColumn[] {
  const columns = getTableColumns(table) as Record<string, PgColumn>;
  return fields.map((f) => {
    const col = columns[f];
    if (!col) throw new Error(`${getTableName(table)} has no column ${f}`);
    return col;
  });
}

/** The rows as one JSON parameter keyed by column name (dates as ISO strings, JSON columns nested). */
function jsonParam(fields: string[], cols: PgColumn[], rows: Record<string, unknown>[]): string {
  const records = rows.map((row) => {
    const record: Record<string, unknown> = {};
    for (let i = 0; i < fields.length; i++) record[cols[i]!.name] = row[fields[i]!] ?? null;
    return record;
  });
  return JSON.stringify(records);
}

/**
 * Many rows of one table in ONE INSERT with ONE parameter, in the order they were written
 * (identity ids follow it): the JSON array becomes rows of the table's own type, so
 * PostgreSQL parses one value instead of one per column and row, and the statement text
 * stays the same whatever the batch size. A column some rows leave out gets its default
 * on those rows (a key left out of the JSON object), as a separate INSERT would give it.
 * Undefined when such a default cannot be written into the statement's text.
 */
function insertJson(table: PgTable, rows: Record<string, unknown>[], ignore: boolean): SQL | undefined {
  const all = getTableColumns(table) as Record<string, PgColumn>;
  const fields: string[] = [];
  const partial: boolean[] = [];
  for (const [field, col] of Object.entries(all)) {
    let given = 0;
    for (const r of rows) if (r[field] !== undefined) given++;
    // A default computed in JavaScript: only Drizzle's insert knows to compute it.
    if (given < rows.length && col.defaultFn) return undefined;
    // Left out by every row: the default (or NULL) without naming the column.
    if (given === 0) continue;
    fields.push(field);
    partial.push(given < rows.length && col.hasDefault);
  }
  const cols = fields.map((f) => all[f]!);
  // Keys whose value is undefined are left out of the JSON (JSON.stringify drops them).
  const records = rows.map((row) => {
    const record: Record<string, unknown> = {};
    for (let i = 0; i < fields.length; i++) record[cols[i]!.name] = row[fields[i]!];
    return record;
  });
  const json = JSON.stringify(records);
  // The statement's text depends only on the table, its columns and which of them some rows
  // leave out: built once per shape, it costs a batch no query building.
  const shape = `${getTableName(table)}|${ignore}|${fields.map((f, i) => (partial[i] ? `${f}?` : f)).join(',')}`;
  let text = insertTexts.get(shape);
  if (text === undefined) {
    text = insertText(table, cols, partial, ignore);
    insertTexts.set(shape, text);
  }
  if (text === null) return undefined;
  return sql`${sql.raw(text.before)}${json}${sql.raw(text.after)}`;
}

/** Statement texts of held inserts by shape (null: a default of the shape cannot be written inline). */
const insertTexts = new Map<string, { before: string; after: string } | null>();

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;
/** A text literal for SQL written out (standard_conforming_strings: only quotes need doubling). */
export const sqlTextLiteral = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** The text of an insert around its JSON parameter, or null when a default needs parameters of its own. */
function insertText(
  table: PgTable,
  cols: PgColumn[],
  partial: boolean[],
  ignore: boolean,
): { before: string; after: string } | null {
  const values: string[] = [];
  for (const [i, col] of cols.entries()) {
    const v = `v.${quoted(col.name)}`;
    if (!partial[i]) {
      values.push(v);
      continue;
    }
    const d = defaultText(col);
    if (d === null) return null;
    values.push(`CASE WHEN e.value::jsonb ? ${sqlTextLiteral(col.name)} THEN ${v} ELSE ${d} END`);
  }
  const name = quoted(getTableName(table));
  return {
    before: `INSERT INTO ${name} (${cols.map((c) => quoted(c.name)).join(', ')}) SELECT ${values.join(', ')} FROM json_array_elements(`,
    after: `::json) WITH ORDINALITY AS e(value, n) CROSS JOIN LATERAL json_populate_record(NULL::${name}, e.value) AS v ORDER BY e.n${ignore ? ' ON CONFLICT DO NOTHING' : ''}`,
  };
}

/**
 * A column's default as SQL text: an SQL default (`now()`, `'{}'::jsonb`, …) as it is, a string,
 * number or boolean constant of the schema as a typed literal; null for anything else (a default
 * computed in JavaScript, an SQL default with parameters).
 */
function defaultText(col: PgColumn): string | null {
  const d: unknown = col.default;
  if (d instanceof SQL) {
    const rendered = dialect.sqlToQuery(d);
    return rendered.params.length > 0 ? null : rendered.sql;
  }
  const type = col.getSQLType();
  if (typeof d === 'string') return `${sqlTextLiteral(d)}::${type}`;
  if ((typeof d === 'number' && Number.isFinite(d)) || typeof d === 'boolean') return `${String(d)}::${type}`;
  return null;
}

/** Updates of the same columns, one row each, as one UPDATE … FROM json_populate_recordset. */
function updateJson(list: Array<UpdateOp>): SQL {
  const first = list[0]!;
  const { table, key } = first;
  const fields = Object.keys(first.patch).sort();
  const shape = `${getTableName(table)}|${key.name}|${first.whereNull?.name ?? ''}|${fields.join(',')}`;
  let text = updateTexts.get(shape);
  if (text === undefined) {
    text = updateText(first, fields);
    updateTexts.set(shape, text);
  }
  const param = jsonParam(
    [text.keyField, ...fields],
    text.cols,
    list.map((u) => ({ ...u.patch, [text.keyField]: u.id })),
  );
  // The keys again as an array make the rows' index the way in, whatever the plan thinks of the
  // table's size or of how many rows come: a statement prepared by name keeps its plan, and one
  // made while the table was small would otherwise scan it whole (a hash join) long after it has
  // grown. Nothing in the text depends on the number of rows, so each shape is planned once.
  return sql`${sql.raw(text.before)}${param}${sql.raw(text.after)}${sql.param(list.map((u) => u.id))}${sql.raw(text.tail)}`;
}

/** Statement texts of held updates by shape: built once, so a batch costs no query building. */
const updateTexts = new Map<
  string,
  { before: string; after: string; tail: string; keyField: string; cols: PgColumn[] }
>();

function updateText(u: UpdateOp, fields: string[]) {
  const { table, key } = u;
  const cols = columnsOf(table, fields);
  const name = quoted(getTableName(table));
  const k = quoted(key.name);
  return {
    before: `UPDATE ${name} SET ${cols.map((c) => `${quoted(c.name)} = v.${quoted(c.name)}`).join(', ')} FROM json_populate_recordset(NULL::${name}, `,
    after: `::json) AS v WHERE ${name}.${k} = v.${k} AND ${name}.${k} = ANY(`,
    tail: `::${key.getSQLType()}[])${u.whereNull ? ` AND ${name}.${quoted(u.whereNull.name)} IS NULL` : ''}`,
    keyField: fieldOf(table, key),
    cols: [key, ...cols],
  };
}

function updateMany(list: Array<UpdateOp>): SQL {
  const { table, key } = list[0]!;
  const fields = Object.keys(list[0]!.patch).sort();
  const cols = columnsOf(table, fields);
  const value = (v: unknown, col: PgColumn) =>
    v instanceof SQL
      ? sql`(${v})::${sql.raw(col.getSQLType())}`
      : sql`${sql.param(v, col)}::${sql.raw(col.getSQLType())}`;
  const rows = sql.join(
    list.map(
      (u) =>
        sql`(${sql.join([value(u.id, key), ...fields.map((f, i) => value(u.patch[f], cols[i]!))], sql`, `)})`,
    ),
    sql`, `,
  );
  const names = sql.join(
    [key, ...cols].map((c, i) => sql.identifier(i === 0 ? 'k' : `c${i - 1}`)),
    sql`, `,
  );
  const sets = sql.join(
    cols.map((c, i) => sql`${sql.identifier(c.name)} = v.${sql.identifier(`c${i}`)}`),
    sql`, `,
  );
  return sql`UPDATE ${table} SET ${sets} FROM (VALUES ${rows}) AS v(${names}) WHERE ${table}.${sql.identifier(key.name)} = v.k${whereNullOf(list[0]!)}`;
}

function whereNullOf(u: UpdateOp): SQL {
  return u.whereNull ? sql` AND ${u.table}.${sql.identifier(u.whereNull.name)} IS NULL` : sql``;
}
