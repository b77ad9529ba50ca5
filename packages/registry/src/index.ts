export { readCsv, readCsvFile } from './csv/readCsv';
export type { CsvInput, CsvProgress, CsvReadError, CsvReadSummary } from './csv/readCsv';

export { parseRmdCsv, parseRmdFile } from './rmd/parse';
export type { ParseRmdOptions } from './rmd/parse';
export type {
  Implementation,
  RmdContact,
  RmdField,
  RmdFileProblem,
  RmdFiling,
  RmdParseResult,
  RmdParseStats,
  RmdRowProblem,
  RmdShape,
} from './rmd/types';
export { changedFields, diffRmd } from './rmd/diff';
export type { ChangedFiling, DiffRmdOptions, FieldChange, RmdDiff } from './rmd/diff';
export { createProviderMatcher, matchFiling } from './rmd/match';
export type {
  DirectoryProvider,
  MatchCandidate,
  MatchOptions,
  MatchReason,
  MatchStrength,
  ProviderMatcher,
} from './rmd/match';
export { nameVariants, normaliseName, trigramSimilarity, trigrams } from './rmd/names';

export { DNO_CATEGORIES } from './dno/types';
export type { DnoCategory, DnoEntry } from './dno/types';
export { buildDnoIndex, e164Key } from './dno/dnoIndex';
export type { DnoIndex, DnoIndexStats, RejectedDnoEntry } from './dno/dnoIndex';
export { classifyNumber, INVALID_NUMBER_REASONS } from './dno/classify';
export type { InvalidNumberReason, NumberClass } from './dno/classify';
export {
  invalidNpaEntries,
  loadNanpaNpaReport,
  nanpStructuralEntries,
  npaTimeZones,
  parseNanpaNpaReport,
} from './dno/nanpa';
export type { NanpaReport, NpaDnoEntry, NpaRecord } from './dno/nanpa';
export { parseDnoCsv, parseDnoCsvFile } from './dno/csv';
export type {
  DnoCsvFileProblem,
  DnoCsvResult,
  DnoCsvRowReport,
  DnoImportEntry,
  ParseDnoCsvOptions,
} from './dno/csv';
