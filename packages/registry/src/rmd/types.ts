/** STIR/SHAKEN status as certified in the RMD; `unknown` for "N/A", blank or an unrecognised label. */
export type Implementation = 'complete' | 'partial' | 'none' | 'unknown';

export interface RmdContact {
  name: string | null;
  title: string | null;
  department: string | null;
  address: string | null;
  country: string | null;
  /** The telephone number as filed. */
  phone: string | null;
  /** The same number in E.164 when it is a valid number, for matching and dialling. */
  phoneE164: string | null;
  extension: string | null;
  email: string | null;
}

/** One RMD filing, normalised. Every field is null when the export's shape does not carry it. */
export interface RmdFiling {
  /** `RMD` followed by digits, upper case. Null only in exports without a filing-number column. */
  filingNumber: string | null;
  /** FCC Registration Number, always 10 digits (exports that dropped the leading zeros are padded). */
  frn: string | null;
  /** Null for the few filings (mostly foreign) the FCC lists without one; they are still filed. */
  businessName: string | null;
  dbaNames: string[];
  previousDbaNames: string[];
  otherFrns: string[];
  /** Lines of a multi-line address joined with "\n", each trimmed. */
  address: string | null;
  country: string | null;
  foreignProvider: boolean | null;
  implementation: Implementation;
  providerTypes: { voice: boolean | null; gateway: boolean | null; intermediate: boolean | null };
  contact: RmdContact;
  /** ISO date (YYYY-MM-DD). */
  lastUpdated: string | null;
  filingUrl: string | null;
  /** Physical line of the CSV where the filing's row starts. */
  line: number;
}

/** The normalised fields a CSV column can fill; a header maps to at most one of them. */
export type RmdField =
  | 'filingNumber'
  | 'frn'
  | 'businessName'
  | 'dbaNames'
  | 'previousDbaNames'
  | 'otherFrns'
  | 'address'
  | 'country'
  | 'foreignProvider'
  | 'implementation'
  | 'voice'
  | 'gateway'
  | 'intermediate'
  | 'contactName'
  | 'contactTitle'
  | 'contactDepartment'
  | 'contactAddress'
  | 'contactCountry'
  | 'contactPhone'
  | 'contactExtension'
  | 'contactEmail'
  | 'lastUpdated'
  | 'filingUrl';

export interface RmdRowProblem {
  line: number;
  /** The normalised field concerned, or `row` for the row as a whole. */
  field: RmdField | 'row';
  /** `error`: the row was left out; `warning`: the row was kept, the field set to null/unknown. */
  severity: 'error' | 'warning';
  code:
    | 'missing_value'
    | 'invalid_value'
    | 'duplicate'
    | 'column_count'
    | 'unknown_label'
    | 'invalid_date'
    | 'invalid_frn';
  message: string;
}

/** A problem with the file as a whole: the file should be refused and nothing written. */
export interface RmdFileProblem {
  code: 'unreadable' | 'empty' | 'not_rmd' | 'missing_columns' | 'malformed_csv' | 'no_filings';
  line: number | null;
  message: string;
}

export interface RmdParseStats {
  /** Data rows read (header excluded), whether kept or not. */
  rows: number;
  records: number;
  rowsWithErrors: number;
  rowsWithWarnings: number;
  duplicates: number;
  bytesRead: number;
  elapsedMs: number;
}

/** How the columns of this export were understood. */
export interface RmdShape {
  /** Normalised field → the header it was read from. */
  columns: Partial<Record<RmdField, string>>;
  /** Headers that were not recognised (ignored, e.g. the research copy's `index`). */
  ignoredColumns: string[];
  /**
   * What identifies a filing in this export: the filing number when the column exists, else the
   * FRN (the FCC's 7-column listing has none). The differ keys both sides by the same thing.
   */
  keyedBy: 'filingNumber' | 'frn';
}

export interface RmdParseResult {
  /** False when any file problem was found: the caller should refuse the file. */
  ok: boolean;
  records: RmdFiling[];
  rowProblems: RmdRowProblem[];
  fileProblems: RmdFileProblem[];
  shape: RmdShape | null;
  stats: RmdParseStats;
}
