import type { Implementation } from './types';

/** Placeholders filers type (or the export writes) where there is nothing to say. */
const PLACEHOLDERS = new Set(['', 'none', 'n/a', 'na', 'null', 'nil', '-', '--', 'not applicable']);

/** Trimmed text with inner runs of spaces collapsed, or null for blanks and placeholders. */
export function text(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const value = raw.replace(/[ \t\u00a0]+/g, ' ').trim();
  return PLACEHOLDERS.has(value.toLowerCase()) ? null : value;
}

/** A multi-line address as trimmed lines joined by "\n"; placeholder lines ("null") dropped. */
export function address(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const lines = raw
    .split(/\r\n|\r|\n/)
    // The research copy flattened empty address lines into the word "null" mid-line.
    .map((line) => text(line.replace(/(^|\s)null(?=\s|$)/gi, ' ')))
    .filter((line): line is string => line !== null);
  return lines.length > 0 ? lines.join('\n') : null;
}

/**
 * A list field. Only `;`, `|` and line breaks separate names: commas cannot, because they sit
 * inside names ("Prime Circuits, Internet 123, Inc.").
 */
export function nameList(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  const seen = new Set<string>();
  const names: string[] = [];
  for (const part of raw.split(/[;|\r\n]+/)) {
    const name = text(part);
    if (name !== null && !seen.has(name.toLowerCase())) {
      seen.add(name.toLowerCase());
      names.push(name);
    }
  }
  return names;
}

export type FrnResult = { ok: true; frn: string } | { ok: false; value: string };

/**
 * FRNs are ten digits; copies that went through a spreadsheet lost the leading zeros
 * ("16085920" for 0016085920), so up to ten digits are accepted and padded. Spaces and dashes
 * people put in long numbers are ignored.
 */
export function frn(raw: string): FrnResult {
  const value = raw.trim().replace(/^'/, '');
  const digits = value.replace(/[\s-]/g, '');
  if (!/^\d{1,10}$/.test(digits) || /^0+$/.test(digits)) return { ok: false, value };
  return { ok: true, frn: digits.padStart(10, '0') };
}

/** Other FRNs as filed: "0005100383;  0031735129" or space/comma separated; invalid ones returned apart. */
export function frnList(raw: string | undefined): { frns: string[]; invalid: string[] } {
  const frns: string[] = [];
  const invalid: string[] = [];
  if (raw === undefined || text(raw) === null) return { frns, invalid };
  for (const part of raw.split(/[;,|\s]+/)) {
    // Words filers typed instead of numbers ("none", "Nine", "yes") are not FRNs gone wrong.
    if (text(part) === null || !/\d/.test(part)) continue;
    const parsed = frn(part);
    if (!parsed.ok) invalid.push(parsed.value);
    else if (!frns.includes(parsed.frn)) frns.push(parsed.frn);
  }
  return { frns, invalid };
}

export function filingNumber(raw: string): string | null {
  const value = raw.trim().toUpperCase();
  return /^RMD\d{7,}$/.test(value) ? value : null;
}

/**
 * The research copy writes Yes / Partial / No; the FCC's own export writes the long labels
 * ("Complete STIR/SHAKEN Implementation", "Partial STIR/SHAKEN Implementation - Performing
 * Robocall Mitigation", "No STIR/SHAKEN Implementation - ...") and "N/A" for filers that certified
 * no implementation status (e.g. non-voice filers). Returns null for a label not recognised.
 */
export function implementation(raw: string | undefined): Implementation | null {
  const value = (raw ?? '').trim().toLowerCase();
  if (value === '' || value === 'n/a' || value === 'na' || value === 'unknown') return 'unknown';
  if (/^(yes|y|full|complete|completed|true)\b/.test(value)) return 'complete';
  if (/^partial\b/.test(value)) return 'partial';
  if (/^(no|none|n|false)\b/.test(value)) return 'none';
  return null;
}

export type YesNo = { ok: true; value: boolean | null } | { ok: false };

export function yesNo(raw: string | undefined): YesNo {
  const value = (raw ?? '').trim().toLowerCase();
  if (value === '') return { ok: true, value: null };
  if (['yes', 'y', 'true', '1', 'x'].includes(value)) return { ok: true, value: true };
  if (['no', 'n', 'false', '0'].includes(value)) return { ok: true, value: false };
  return { ok: false };
}

function isoIfReal(year: number, month: number, day: number): string | null {
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day)
    return null;
  return date.toISOString().slice(0, 10);
}

export type DateResult = { ok: true; value: string | null } | { ok: false };

/** `2024-04-24`, `2024-04-24 13:05:00` (ServiceNow's own format) or US `04/24/2024`, as YYYY-MM-DD. */
export function isoDate(raw: string | undefined): DateResult {
  const value = (raw ?? '').trim();
  if (value === '') return { ok: true, value: null };
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$/.exec(value);
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s.*)?$/.exec(value);
  const parts = iso ? [iso[1], iso[2], iso[3]] : us ? [us[3], us[1], us[2]] : null;
  if (!parts) return { ok: false };
  const result = isoIfReal(Number(parts[0]), Number(parts[1]), Number(parts[2]));
  return result ? { ok: true, value: result } : { ok: false };
}
