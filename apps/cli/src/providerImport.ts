import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { createProvider, type CommandContext } from '@hoptrace/core';
import { columnLocation, issuePath, ZProviderCreate, type TProviderCreate } from '@hoptrace/contracts';
import { listProviders, type Db } from '@hoptrace/db';

export const PROVIDER_CSV_COLUMNS = [
  'name',
  'dba_names',
  'country',
  'ocns',
  'frn',
  'rmd_number',
  'timezone',
  'contact_name',
  'contact_email',
  'contact_phone',
] as const;

export interface ImportRowReport {
  line: number;
  status: 'created' | 'skipped' | 'invalid';
  name: string;
  detail?: string;
}

/** The column a field of the provider contract is read from. */
const COLUMN_OF: Record<string, (typeof PROVIDER_CSV_COLUMNS)[number]> = {
  name: 'name',
  dbaNames: 'dba_names',
  country: 'country',
  ocns: 'ocns',
  frn: 'frn',
  rmdNumber: 'rmd_number',
  timezone: 'timezone',
  'contacts.0.name': 'contact_name',
  'contacts.0.email': 'contact_email',
  'contacts.0.phone': 'contact_phone',
};

const list = (v: string | undefined) =>
  (v ?? '')
    .split(/[;|]/)
    .map((s) => s.trim())
    .filter(Boolean);

function rowToInput(row: Record<string, string>): unknown {
  const contact = row.contact_email?.trim()
    ? [
        {
          name: row.contact_name?.trim() || row.name?.trim() || '',
          email: row.contact_email.trim(),
          ...(row.contact_phone?.trim() ? { phone: row.contact_phone.trim() } : {}),
        },
      ]
    : [];
  const opt = (v: string | undefined) => (v?.trim() ? v.trim() : undefined);
  return {
    name: row.name ?? '',
    dbaNames: list(row.dba_names),
    country: opt(row.country) ?? 'US',
    ocns: list(row.ocns),
    frn: opt(row.frn),
    rmdNumber: opt(row.rmd_number),
    timezone: opt(row.timezone),
    contacts: contact,
  };
}

/**
 * Reads a directory CSV (header row; columns as PROVIDER_CSV_COLUMNS, lists
 * separated by `;`). Every row is checked first; unless `skipInvalid`, one bad
 * row refuses the whole file and nothing is written. A provider already in the
 * directory (same OCN, or same name and country) is skipped, so a repeated
 * import changes nothing.
 */
export async function importProvidersCsv(
  ctx: CommandContext,
  file: string,
  opts: { skipInvalid: boolean },
): Promise<{ rows: ImportRowReport[]; written: boolean; fileError?: string }> {
  const records: Array<{ line: number; row: Record<string, string> }> = [];
  let header: string[] | null = null;
  try {
    const input = createReadStream(file);
    const parser = input.pipe(
      parse({
        columns: (h: string[]) => (header = h.map((c) => c.trim().toLowerCase())),
        bom: true,
        skip_empty_lines: true,
        info: true,
      }),
    );
    // pipe() does not forward a read error (a missing file): hand it to the parser so the loop below sees it.
    input.on('error', (err) => parser.destroy(err));
    for await (const rec of parser as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number };
    }>) {
      records.push({ line: rec.info.lines, row: rec.record });
    }
  } catch (err) {
    return { rows: [], written: false, fileError: err instanceof Error ? err.message : String(err) };
  }
  // A file without a header row (or with another file's) is refused, never read as "0 created".
  if (!header || !(header as string[]).includes('name'))
    return {
      rows: [],
      written: false,
      fileError: `${header ? 'the first line is not a header with a "name" column' : 'the file is empty'}; expected a header row with the columns ${PROVIDER_CSV_COLUMNS.join(', ')}`,
    };
  if (records.length === 0)
    return { rows: [], written: false, fileError: 'the file has a header row but no providers' };

  const reports: ImportRowReport[] = [];
  const valid: Array<{ line: number; input: TProviderCreate }> = [];
  for (const { line, row } of records) {
    const parsed = ZProviderCreate.safeParse(rowToInput(row));
    if (parsed.success) valid.push({ line, input: parsed.data });
    else
      reports.push({
        line,
        status: 'invalid',
        name: row.name ?? '',
        // Each problem at its column (the line leads the report): `column 9 (contact_email): must be an email address, …`.
        detail: parsed.error.issues
          .map((i) => {
            const path = issuePath(i.path);
            const column = COLUMN_OF[path] ?? COLUMN_OF[path.replace(/\.\d+$/, '')];
            const at = column
              ? columnLocation({ name: column, number: (header ?? []).indexOf(column) + 1 || undefined })
              : path || 'row';
            return `${at}: ${i.message}`;
          })
          .join('; '),
      });
  }
  if (reports.length && !opts.skipInvalid) return { rows: reports, written: false };

  await ctx.db.transaction(async (tx) => {
    const txCtx = { ...ctx, db: tx as unknown as Db };
    for (const { line, input } of valid) {
      const existing = await findExisting(txCtx.db, input);
      if (existing) {
        reports.push({
          line,
          status: 'skipped',
          name: input.name,
          detail: `already in the directory as ${existing}`,
        });
        continue;
      }
      await createProvider({ ...txCtx, input });
      reports.push({ line, status: 'created', name: input.name });
    }
  });
  reports.sort((a, b) => a.line - b.line);
  return { rows: reports, written: true };
}

async function findExisting(db: Db, input: TProviderCreate): Promise<string | undefined> {
  for (const ocn of input.ocns) {
    const hit = (await listProviders(db, { q: ocn, limit: 5 })).items.find((p) => p.ocns.includes(ocn));
    if (hit) return hit.id;
  }
  const byName = (await listProviders(db, { q: input.name, limit: 20 })).items.find(
    (p) => p.name.toLowerCase() === input.name.toLowerCase() && p.country === input.country,
  );
  return byName?.id;
}
