/**
 * Cells of the CSV files hoptrace writes (the hop export, the DNO list): RFC 4180 quoting, and no cell a
 * spreadsheet would run as a formula (CSV injection, OWASP). A cell that starts with `=`, `+`, `-`, `@`, a tab
 * or a carriage return gets a leading single quote, which spreadsheets show as text and hide. A phone number
 * in E.164 (`+` and digits only) is left as it is: a spreadsheet reads it as a number, nothing runs, and the
 * file stays readable by the tools that take it back (bulk answers, DNO imports).
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const E164 = /^\+\d{1,15}$/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One cell: null and undefined are empty; text that could run as a formula is neutralised, then quoted if needed. */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (FORMULA_START.test(text) && !E164.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One line of cells, without its line break. */
export const csvRow = (values: ReadonlyArray<string | number | boolean | null | undefined>): string =>
  values.map(csvCell).join(',');
