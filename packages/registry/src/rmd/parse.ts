import { performance } from 'node:perf_hooks';
import { readCsv, readCsvFile } from '../csv/readCsv';
import type { CsvInput, CsvProgress, CsvReadSummary, CsvRowHandler } from '../csv/readCsv';
import { classifyNumber } from '../dno/classify';
import { mapRmdColumns } from './columns';
import type { ColumnMap } from './columns';
import { changedFields } from './diff';
import type { RmdField, RmdFileProblem, RmdFiling, RmdParseResult, RmdRowProblem, RmdShape } from './types';
import * as v from './values';

export interface ParseRmdOptions {
  /** Called as the input is read, for a progress bar. */
  onProgress?: (progress: CsvProgress) => void;
  /** Size of a streamed input, when known, so progress can be a fraction (files know their own). */
  totalBytes?: number | null;
}

// Columns only an RMD export has; a CSV with none of them is some other file.
const RMD_ONLY: readonly RmdField[] = [
  'filingNumber',
  'frn',
  'implementation',
  'otherFrns',
  'dbaNames',
  'previousDbaNames',
  'foreignProvider',
  'voice',
  'gateway',
  'intermediate',
  'filingUrl',
];

class RmdReader {
  readonly records: RmdFiling[] = [];
  readonly rowProblems: RmdRowProblem[] = [];
  readonly fileProblems: RmdFileProblem[] = [];
  shape: RmdShape | null = null;
  rows = 0;
  duplicates = 0;
  private columns: ColumnMap | null = null;
  private headerLength = 0;
  private readonly keptByKey = new Map<string, RmdFiling>();
  private readonly linesWithErrors = new Set<number>();
  private readonly linesWithWarnings = new Set<number>();

  readonly onRow: CsvRowHandler = (fields, line) => {
    if (!this.columns) return this.readHeader(fields, line);
    this.readRow(fields, line);
    return true;
  };

  private readHeader(fields: string[], line: number): boolean {
    const columns = mapRmdColumns(fields);
    const has = (field: RmdField) => columns.index[field] !== undefined;
    if (!RMD_ONLY.some(has)) {
      this.fileProblems.push({
        code: 'not_rmd',
        line,
        message: `the header (${preview(fields)}) has none of the RMD export's columns (RMD number, FRN, implementation, …)`,
      });
      return false;
    }
    const missing: string[] = [];
    if (!has('businessName')) missing.push('business name');
    if (!has('filingNumber') && !has('frn')) missing.push('RMD filing number (or at least FRN)');
    if (missing.length > 0) {
      this.fileProblems.push({
        code: 'missing_columns',
        line,
        message: `required column${missing.length > 1 ? 's' : ''} missing: ${missing.join(', ')}`,
      });
      return false;
    }
    this.columns = columns;
    this.headerLength = fields.length;
    this.shape = {
      columns: columns.headers,
      ignoredColumns: [...columns.ignored, ...columns.repeated],
      keyedBy: has('filingNumber') ? 'filingNumber' : 'frn',
    };
    return true;
  }

  private problem(p: RmdRowProblem): void {
    this.rowProblems.push(p);
    (p.severity === 'error' ? this.linesWithErrors : this.linesWithWarnings).add(p.line);
  }

  private readRow(fields: string[], line: number): void {
    const columns = this.columns;
    if (!columns || fields.every((f) => f.trim() === '')) return;
    this.rows++;
    if (fields.length !== this.headerLength) {
      this.problem({
        line,
        field: 'row',
        severity: 'error',
        code: 'column_count',
        message: `${fields.length} fields where the header has ${this.headerLength} (an unquoted comma?)`,
      });
      return;
    }
    const get = (field: RmdField): string | undefined => {
      const i = columns.index[field];
      return i === undefined ? undefined : fields[i];
    };
    const record = this.normalise(get, line);
    if (!record) return;
    const key = this.shape?.keyedBy === 'frn' ? record.frn : record.filingNumber;
    if (key === null) return;
    const kept = this.keptByKey.get(key);
    if (kept) {
      this.duplicates++;
      const differs = changedFields(kept, record).map((c) => c.field);
      this.problem({
        line,
        field: this.shape?.keyedBy === 'frn' ? 'frn' : 'filingNumber',
        severity: 'error',
        code: 'duplicate',
        message:
          `${key} was already read at line ${kept.line}; this row is left out` +
          (differs.length > 0 ? ` (it differs in ${differs.join(', ')})` : ' (identical)'),
      });
      return;
    }
    this.keptByKey.set(key, record);
    this.records.push(record);
  }

  private normalise(get: (field: RmdField) => string | undefined, line: number): RmdFiling | null {
    const keyedByFrn = this.shape?.keyedBy === 'frn';
    const warn = (field: RmdField, code: RmdRowProblem['code'], message: string) =>
      this.problem({ line, field, severity: 'warning', code, message });
    const fail = (field: RmdField, code: RmdRowProblem['code'], message: string) =>
      this.problem({ line, field, severity: 'error', code, message });

    let ok = true;
    // A filing without a name is still a filing: leaving it out would report its provider as
    // absent from the RMD, which is a red flag on every traceback through it.
    const businessName = v.text(get('businessName'));
    if (businessName === null) warn('businessName', 'missing_value', 'no business name');

    let filingNumber: string | null = null;
    const rawNumber = get('filingNumber');
    if (rawNumber !== undefined) {
      filingNumber = v.filingNumber(rawNumber);
      if (filingNumber === null) {
        fail(
          'filingNumber',
          rawNumber.trim() === '' ? 'missing_value' : 'invalid_value',
          rawNumber.trim() === ''
            ? 'no RMD filing number; the row is left out'
            : `"${rawNumber.trim()}" is not an RMD filing number (RMD and 7 digits); the row is left out`,
        );
        ok = false;
      }
    }

    let frn: string | null = null;
    const rawFrn = get('frn');
    if (rawFrn !== undefined && rawFrn.trim() !== '') {
      const parsed = v.frn(rawFrn);
      if (parsed.ok) frn = parsed.frn;
      else if (keyedByFrn) {
        fail('frn', 'invalid_frn', `"${parsed.value}" is not an FRN (up to 10 digits); the row is left out`);
        ok = false;
      } else warn('frn', 'invalid_frn', `"${parsed.value}" is not an FRN (up to 10 digits); left empty`);
    } else if (keyedByFrn) {
      fail('frn', 'missing_value', 'no FRN, and this export has no filing numbers; the row is left out');
      ok = false;
    }
    if (!ok) return null;

    const otherFrns = v.frnList(get('otherFrns'));
    if (otherFrns.invalid.length > 0)
      warn('otherFrns', 'invalid_frn', `not FRNs, left out: ${otherFrns.invalid.join(', ')}`);

    let implementation = v.implementation(get('implementation'));
    if (implementation === null) {
      warn('implementation', 'unknown_label', `unknown implementation "${get('implementation')?.trim()}"`);
      implementation = 'unknown';
    }

    const flag = (field: RmdField): boolean | null => {
      const raw = get(field);
      const parsed = v.yesNo(raw);
      if (parsed.ok) return parsed.value;
      warn(field, 'invalid_value', `"${raw?.trim()}" is neither Yes nor No; left empty`);
      return null;
    };

    const foreignProvider = flag('foreignProvider');
    const providerTypes = {
      voice: flag('voice'),
      gateway: flag('gateway'),
      intermediate: flag('intermediate'),
    };

    const date = v.isoDate(get('lastUpdated'));
    if (!date.ok) warn('lastUpdated', 'invalid_date', `"${get('lastUpdated')?.trim()}" is not a date`);

    let filingUrl = v.text(get('filingUrl'));
    if (filingUrl !== null && !/^https?:\/\//i.test(filingUrl)) {
      warn('filingUrl', 'invalid_value', `"${filingUrl}" is not a web address; left empty`);
      filingUrl = null;
    }

    const phone = v.text(get('contactPhone'));
    const phoneClass = phone === null ? null : classifyNumber(phone.replace(/^'/, ''));

    return {
      filingNumber,
      frn,
      businessName,
      dbaNames: v.nameList(get('dbaNames')),
      previousDbaNames: v.nameList(get('previousDbaNames')),
      otherFrns: otherFrns.frns.filter((other) => other !== frn),
      address: v.address(get('address')),
      country: v.text(get('country')),
      foreignProvider,
      implementation,
      providerTypes,
      contact: {
        name: v.text(get('contactName')),
        title: v.text(get('contactTitle')),
        department: v.text(get('contactDepartment')),
        address: v.address(get('contactAddress')),
        country: v.text(get('contactCountry')),
        phone,
        phoneE164: phoneClass?.kind === 'valid' ? phoneClass.e164 : null,
        extension: v.text(get('contactExtension')),
        email: v.text(get('contactEmail')),
      },
      lastUpdated: date.ok ? date.value : null,
      filingUrl,
      line,
    };
  }

  result(read: CsvReadSummary, elapsedMs: number): RmdParseResult {
    const fileProblems = [...this.fileProblems];
    if (read.error) fileProblems.push({ ...read.error });
    else if (read.records === 0)
      fileProblems.push({ code: 'empty', line: null, message: 'the file is empty: no header, no rows' });
    else if (this.columns && this.records.length === 0)
      fileProblems.push({
        code: 'no_filings',
        line: null,
        message:
          this.rows === 0
            ? 'the file has a header but no filings'
            : `none of the ${this.rows} rows could be read as a filing`,
      });
    return {
      ok: fileProblems.length === 0,
      records: this.records,
      rowProblems: this.rowProblems,
      fileProblems,
      shape: this.shape,
      stats: {
        rows: this.rows,
        records: this.records.length,
        rowsWithErrors: this.linesWithErrors.size,
        rowsWithWarnings: [...this.linesWithWarnings].filter((l) => !this.linesWithErrors.has(l)).length,
        duplicates: this.duplicates,
        bytesRead: read.bytesRead,
        elapsedMs,
      },
    };
  }
}

function preview(fields: readonly string[]): string {
  const shown = fields.slice(0, 5).map((f) => JSON.stringify(f.slice(0, 40)));
  return shown.join(', ') + (fields.length > 5 ? ', …' : '');
}

/**
 * Reads an FCC Robocall Mitigation Database export: the FCC's own CSV, the 23-column research copy
 * or the 7-column listing, columns recognised by name in any order. Never throws: whole-file
 * problems (not an RMD export, required columns missing, broken quoting, unreadable) come back in
 * `fileProblems` with `ok: false`, and the caller should then refuse the file; row problems come
 * back per line. A repeated filing number keeps the first row and reports the others.
 */
export async function parseRmdCsv(input: CsvInput, options: ParseRmdOptions = {}): Promise<RmdParseResult> {
  const started = performance.now();
  const reader = new RmdReader();
  const read = await readCsv(input, reader.onRow, {
    totalBytes: options.totalBytes ?? null,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  return reader.result(read, performance.now() - started);
}

/** `parseRmdCsv` on a file, with its size known for the progress callback. */
export async function parseRmdFile(
  path: string,
  options: Omit<ParseRmdOptions, 'totalBytes'> = {},
): Promise<RmdParseResult> {
  const started = performance.now();
  const reader = new RmdReader();
  const read = await readCsvFile(
    path,
    reader.onRow,
    options.onProgress ? { onProgress: options.onProgress } : {},
  );
  return reader.result(read, performance.now() - started);
}
