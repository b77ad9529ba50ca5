import { readCsv, readCsvFile, headerKey } from '../csv/readCsv';
import type { CsvInput, CsvReadSummary, CsvRowHandler } from '../csv/readCsv';
import type { DnoEntry } from './types';

/** One row of NANPA's NPA (area code) report. */
export interface NpaRecord {
  npa: string;
  /** "General Purpose Code" or "Easily Recognizable Code" (N00, NXX with repeated digits). */
  typeOfCode: string | null;
  assignable: boolean | null;
  /** Why a code is not assignable: "N11 Code", "Expansion Code", "Reserved by INC", … */
  explanation: string | null;
  reserved: boolean | null;
  assigned: boolean | null;
  assignmentDate: string | null;
  inService: boolean | null;
  inServiceDate: string | null;
  use: 'geographic' | 'non_geographic' | null;
  /** State or province code (US: two letters), or the country for the Caribbean. */
  location: string | null;
  country: string | null;
  /** For non-geographic codes: "Toll-Free", "Non-Geographic Services", … */
  service: string | null;
  overlayComplex: string[];
  /** The report's time zone code as written: E, C, M, P, A, NA, EC, "(UTC-10)", … */
  timeZoneCode: string | null;
  /** IANA time zones the code covers; one when the area code lies in a single zone. */
  timeZones: string[];
  line: number;
}

export interface NanpaReport {
  /** The report's "File Date" (first line), as YYYY-MM-DD. */
  fileDate: string | null;
  records: NpaRecord[];
  problems: Array<{ line: number | null; message: string }>;
}

/** An "invalid" DNO entry derived from the report, with where it came from and why. */
export interface NpaDnoEntry extends DnoEntry {
  category: 'invalid';
  source: string;
  reason: string;
}

const COLUMNS = {
  npa: 'npaid',
  typeOfCode: 'typeofcode',
  assignable: 'assignable',
  explanation: 'explanation',
  reserved: 'reserved',
  assigned: 'assigned',
  assignmentDate: 'assignmentdt',
  inService: 'inservice',
  inServiceDate: 'inservicedt',
  use: 'use',
  location: 'location',
  country: 'country',
  service: 'service',
  overlayComplex: 'overlaycomplex',
  timeZone: 'timezone',
} as const;

type Column = keyof typeof COLUMNS;

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** "01-JAN-47" as 1947-01-01: the NANP dates from 1947, so two-digit years 47–99 are 19xx. */
function nanpaDate(raw: string | undefined): string | null {
  const match = /^(\d{1,2})-([A-Z]{3})-(\d{2})$/.exec((raw ?? '').trim().toUpperCase());
  if (!match) return null;
  const month = MONTHS.indexOf(match[2] ?? '');
  const yy = Number(match[3]);
  if (month < 0) return null;
  const date = new Date(Date.UTC(yy >= 47 ? 1900 + yy : 2000 + yy, month, Number(match[1])));
  return Number.isNaN(date.getTime()) ? null : date.toISOString().slice(0, 10);
}

function flag(raw: string | undefined): boolean | null {
  const value = (raw ?? '').trim().toLowerCase();
  if (value === 'yes' || value === 'y') return true;
  if (value === 'no' || value === 'n') return false;
  return null;
}

function blankToNull(raw: string | undefined): string | null {
  const value = (raw ?? '').trim();
  return value === '' ? null : value;
}

// Zones by location where the letter alone would mislead: Arizona keeps no DST, Indiana and
// Michigan have their own zone ids, and the report itself has slips (840, San Bernardino, is "E").
const LOCATION_ZONES: Record<string, Partial<Record<string, string>>> = {
  // Whole location in one zone: the letter is ignored.
  AL: { '*': 'America/Chicago' },
  AR: { '*': 'America/Chicago' },
  AZ: { '*': 'America/Phoenix' },
  CA: { '*': 'America/Los_Angeles' },
  CO: { '*': 'America/Denver' },
  CT: { '*': 'America/New_York' },
  DC: { '*': 'America/New_York' },
  DE: { '*': 'America/New_York' },
  GA: { '*': 'America/New_York' },
  HI: { '*': 'Pacific/Honolulu' },
  IA: { '*': 'America/Chicago' },
  IL: { '*': 'America/Chicago' },
  LA: { '*': 'America/Chicago' },
  MA: { '*': 'America/New_York' },
  MD: { '*': 'America/New_York' },
  ME: { '*': 'America/New_York' },
  MN: { '*': 'America/Chicago' },
  MO: { '*': 'America/Chicago' },
  MS: { '*': 'America/Chicago' },
  MT: { '*': 'America/Denver' },
  NC: { '*': 'America/New_York' },
  NH: { '*': 'America/New_York' },
  NJ: { '*': 'America/New_York' },
  NM: { '*': 'America/Denver' },
  NV: { '*': 'America/Los_Angeles' },
  NY: { '*': 'America/New_York' },
  OH: { '*': 'America/New_York' },
  OK: { '*': 'America/Chicago' },
  PA: { '*': 'America/New_York' },
  RI: { '*': 'America/New_York' },
  SC: { '*': 'America/New_York' },
  UT: { '*': 'America/Denver' },
  VA: { '*': 'America/New_York' },
  VT: { '*': 'America/New_York' },
  WA: { '*': 'America/Los_Angeles' },
  WI: { '*': 'America/Chicago' },
  WV: { '*': 'America/New_York' },
  WY: { '*': 'America/Denver' },
  AK: { '*': 'America/Anchorage' },
  'PUERTO RICO': { '*': 'America/Puerto_Rico' },
  USVI: { '*': 'America/St_Thomas' },
  GU: { '*': 'Pacific/Guam' },
  CNMI: { '*': 'Pacific/Saipan' },
  AS: { '*': 'Pacific/Pago_Pago' },
  // Locations split between zones: the letter picks the zone.
  FL: { E: 'America/New_York', C: 'America/Chicago' },
  ID: { M: 'America/Boise', P: 'America/Los_Angeles' },
  IN: { E: 'America/Indiana/Indianapolis', C: 'America/Chicago' },
  KS: { C: 'America/Chicago', M: 'America/Denver' },
  KY: { E: 'America/New_York', C: 'America/Chicago' },
  MI: { E: 'America/Detroit', C: 'America/Menominee' },
  ND: { C: 'America/Chicago', M: 'America/Denver' },
  NE: { C: 'America/Chicago', M: 'America/Denver' },
  OR: { P: 'America/Los_Angeles', M: 'America/Boise' },
  SD: { C: 'America/Chicago', M: 'America/Denver' },
  TN: { E: 'America/New_York', C: 'America/Chicago' },
  TX: { C: 'America/Chicago', M: 'America/Denver' },
  // Canada, by province.
  ALBERTA: { '*': 'America/Edmonton' },
  'BRITISH COLUMBIA': { '*': 'America/Vancouver' },
  MANITOBA: { '*': 'America/Winnipeg' },
  'NEW BRUNSWICK': { '*': 'America/Moncton' },
  'NEWFOUNDLAND AND LABRADOR': { '*': 'America/St_Johns' },
  'NOVA SCOTIA - PRINCE EDWARD ISLAND': { '*': 'America/Halifax' },
  ONTARIO: { E: 'America/Toronto', C: 'America/Winnipeg' },
  QUEBEC: { '*': 'America/Toronto' },
  SASKATCHEWAN: { '*': 'America/Regina' },
  'YUKON-NW TERR. - NUNAVUT': {
    P: 'America/Whitehorse',
    M: 'America/Edmonton',
    C: 'America/Rankin_Inlet',
    E: 'America/Iqaluit',
  },
  // The Caribbean members of the NANP, by country.
  ANGUILLA: { '*': 'America/Anguilla' },
  'ANTIGUA/BARBUDA': { '*': 'America/Antigua' },
  BAHAMAS: { '*': 'America/Nassau' },
  BARBADOS: { '*': 'America/Barbados' },
  BERMUDA: { '*': 'Atlantic/Bermuda' },
  'BRITISH VIRGIN ISLANDS': { '*': 'America/Tortola' },
  'CAYMAN ISLANDS': { '*': 'America/Cayman' },
  DOMINICA: { '*': 'America/Dominica' },
  'DOMINICAN REPUBLIC': { '*': 'America/Santo_Domingo' },
  GRENADA: { '*': 'America/Grenada' },
  JAMAICA: { '*': 'America/Jamaica' },
  MONTSERRAT: { '*': 'America/Montserrat' },
  'SINT MAARTEN': { '*': 'America/Lower_Princes' },
  'ST. KITTS & NEVIS': { '*': 'America/St_Kitts' },
  'ST. LUCIA': { '*': 'America/St_Lucia' },
  'ST. VINCENT & GRENADINES': { '*': 'America/St_Vincent' },
  'TRINIDAD & TOBAGO': { '*': 'America/Port_of_Spain' },
  'TURKS & CAICOS ISLANDS': { '*': 'America/Grand_Turk' },
};

/** IANA zones for a geographic code; non-geographic codes (toll-free, 5XX) have none. */
function timeZonesFor(location: string | null, code: string | null, geographic: boolean): string[] {
  if (!geographic || location === null) return [];
  const zones = LOCATION_ZONES[location.toUpperCase()];
  if (!zones) return [];
  const whole = zones['*'];
  if (whole) return [whole];
  // "EC" (Eastern and Central), "CMP", … list every zone the code spans.
  const letters = (code ?? '').replace(/[^A-Z]/gi, '').toUpperCase();
  const found = [...letters].map((letter) => zones[letter]).filter((z): z is string => z !== undefined);
  return [...new Set(found)];
}

class NanpaReader {
  fileDate: string | null = null;
  readonly records: NpaRecord[] = [];
  readonly problems: NanpaReport['problems'] = [];
  private index: Partial<Record<Column, number>> | null = null;

  readonly onRow: CsvRowHandler = (fields, line) => {
    if (!this.index) {
      if (headerKey(fields[0] ?? '') === 'filedate') {
        const [month, day, year] = (fields[1] ?? '').trim().split('/');
        if (month && day && year) this.fileDate = `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
        return true;
      }
      const keys = fields.map(headerKey);
      const index: Partial<Record<Column, number>> = {};
      for (const [column, key] of Object.entries(COLUMNS) as Array<[Column, string]>) {
        const i = keys.indexOf(key);
        if (i >= 0) index[column] = i;
      }
      if (index.npa === undefined || index.assigned === undefined) {
        this.problems.push({ line, message: 'not a NANPA NPA report: no NPA_ID or ASSIGNED column' });
        return false;
      }
      this.index = index;
      return true;
    }
    this.readRow(fields, line);
    return true;
  };

  private readRow(fields: string[], line: number): void {
    const index = this.index ?? {};
    const get = (column: Column): string | undefined => {
      const i = index[column];
      return i === undefined ? undefined : fields[i];
    };
    const npa = (get('npa') ?? '').trim();
    if (!/^[2-9]\d\d$/.test(npa)) {
      this.problems.push({ line, message: `"${npa}" is not an NPA` });
      return;
    }
    const use = (get('use') ?? '').trim().toUpperCase();
    const location = blankToNull(get('location'));
    const timeZoneCode = blankToNull(get('timeZone'));
    this.records.push({
      npa,
      typeOfCode: blankToNull(get('typeOfCode')),
      assignable: flag(get('assignable')),
      explanation: blankToNull(get('explanation')),
      reserved: flag(get('reserved')),
      assigned: flag(get('assigned')),
      assignmentDate: nanpaDate(get('assignmentDate')),
      inService: flag(get('inService')),
      inServiceDate: nanpaDate(get('inServiceDate')),
      use: use === 'G' ? 'geographic' : use === 'N' ? 'non_geographic' : null,
      location,
      country: blankToNull(get('country')),
      service: blankToNull(get('service')),
      overlayComplex: (get('overlayComplex') ?? '')
        .split('/')
        .map((s) => s.trim())
        .filter((s) => /^\d{3}$/.test(s)),
      timeZoneCode,
      timeZones: timeZonesFor(location, timeZoneCode, use === 'G'),
      line,
    });
  }

  result(read: CsvReadSummary): NanpaReport {
    const problems = [...this.problems];
    if (read.error) problems.push({ line: read.error.line, message: read.error.message });
    // Two rows of the 2020 file (469, 972) are cut short before TIME_ZONE: an overlay shares its
    // area, so a code with no zone of its own takes the one its overlay partners agree on.
    const byNpa = new Map(this.records.map((r) => [r.npa, r]));
    for (const record of this.records) {
      if (record.timeZones.length > 0 || record.use !== 'geographic') continue;
      const partnerZones = new Set(
        record.overlayComplex
          .map((npa) => byNpa.get(npa))
          .filter((p) => p !== undefined && p.location === record.location && p.timeZones.length === 1)
          .map((p) => p?.timeZones[0]),
      );
      const [zone] = partnerZones;
      if (partnerZones.size === 1 && zone) record.timeZones = [zone];
    }
    return { fileDate: this.fileDate, records: this.records, problems };
  }
}

/** Reads NANPA's NPA report (`File Date,MM/DD/YYYY` line, then a header). Never throws. */
export async function parseNanpaNpaReport(input: CsvInput): Promise<NanpaReport> {
  const reader = new NanpaReader();
  return reader.result(await readCsv(input, reader.onRow));
}

export async function loadNanpaNpaReport(path: string): Promise<NanpaReport> {
  const reader = new NanpaReader();
  return reader.result(await readCsvFile(path, reader.onRow));
}

/**
 * Why a code is not assignable, for the reasons that do not lapse: N11 service codes, the N9X
 * codes held for expanding the NANP beyond ten digits, 37X and 96X held by the INC, 555
 * (directory assistance) and 950 (carrier access). Left out on purpose: "Set aside for toll free"
 * (880–887, 889: future toll-free codes, valid the day they open) and "Avail. in Nov. 2022" (456,
 * released since).
 */
const PERMANENT_EXPLANATIONS = new Set([
  'n11 code',
  'expansion code',
  'reserved by inc',
  'directory assistance',
  'carrier access',
]);

/**
 * The report's area codes that can never be a real caller's, as "invalid" DNO ranges covering the
 * whole NPA. Only codes NANPA marks not assignable for a lasting reason (PERMANENT_EXPLANATIONS)
 * become entries — never codes that were merely unassigned or not yet in service in the report:
 * the file is from 2020 and dozens of those codes have opened since (943, 945, 645, 835, 771 …
 * each draw hundreds of consumer complaints in the FTC's December 2025 data), so flagging them
 * would call real numbers spoofed.
 */
export function invalidNpaEntries(report: NanpaReport): NpaDnoEntry[] {
  const source = `NANPA NPA report${report.fileDate ? ` of ${report.fileDate}` : ''}`;
  return report.records
    .filter((r) => r.assignable === false && PERMANENT_EXPLANATIONS.has((r.explanation ?? '').toLowerCase()))
    .map((r) => ({
      id: `nanpa-npa-${r.npa}`,
      category: 'invalid',
      start: `+1${r.npa}0000000`,
      end: `+1${r.npa}9999999`,
      source,
      reason: `area code ${r.npa} is not assignable (${r.explanation ?? 'NANPA'})`,
    }));
}

/**
 * NANP numbers that break the numbering plan's structure whatever NANPA assigns: area codes
 * 000–199, and exchanges 000–199 in every area code 200–999 — the same numbers `classifyNumber`
 * refuses, so a raw E.164 caller ID that skipped classification is still caught by the index.
 */
export function nanpStructuralEntries(): NpaDnoEntry[] {
  const source = 'NANP numbering plan format (NPA-NXX-XXXX, N = 2–9)';
  const entries: NpaDnoEntry[] = [
    {
      id: 'nanp-npa-0xx-1xx',
      category: 'invalid',
      start: '+10000000000',
      end: '+11999999999',
      source,
      reason: 'area codes cannot start with 0 or 1',
    },
  ];
  for (let npa = 200; npa <= 999; npa++) {
    entries.push({
      id: `nanp-nxx-${npa}-0xx-1xx`,
      category: 'invalid',
      start: `+1${npa}0000000`,
      end: `+1${npa}1999999`,
      source,
      reason: 'exchanges cannot start with 0 or 1',
    });
  }
  return entries;
}

/** NPA → IANA time zone, for area codes that lie in a single zone (a provider's default zone). */
export function npaTimeZones(report: NanpaReport): Map<string, string> {
  const zones = new Map<string, string>();
  for (const record of report.records) {
    const [zone] = record.timeZones;
    if (record.timeZones.length === 1 && zone) zones.set(record.npa, zone);
  }
  return zones;
}
