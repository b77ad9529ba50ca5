import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DetectCall } from '../src/detector';

export interface PponeRow {
  id: string;
  callerNumber: string | null;
  startedAt: string | null;
  language: string | null;
  transcript: string;
  campaignName: string | null;
}

export const PPONE_PATH = resolve(import.meta.dirname, '../../../../shared/data/ppone/calls.jsonl');

export function pponeAvailable(): boolean {
  return existsSync(PPONE_PATH);
}

/** The file's rows in arrival order: startedAt, null dates last, ties by id. */
export function loadPpone(): PponeRow[] {
  const rows = readFileSync(PPONE_PATH, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as PponeRow);
  return rows.sort((a, b) => {
    if (a.startedAt !== b.startedAt) {
      if (a.startedAt === null) return 1;
      if (b.startedAt === null) return -1;
      return a.startedAt < b.startedAt ? -1 : 1;
    }
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
}

export function toCall(row: PponeRow): DetectCall {
  return {
    id: row.id,
    transcript: row.transcript,
    language: row.language,
    callingNumber: row.callerNumber,
    startedAt: row.startedAt,
  };
}
