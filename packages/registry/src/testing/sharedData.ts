import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, four levels above this file (packages/registry/src/testing). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Public data sets live beside the checkout, never inside it (see ../shared/data/README.md). */
export const sharedDataDir = path.resolve(repoRoot, '../shared/data');

/** Under CI the data is part of the environment, so its absence is a failure, not a skip. */
const isCi = process.env.CI === 'true';

export const runDataSuite = existsSync(sharedDataDir) || isCi;

export function dataSuiteName(name: string): string {
  return runDataSuite ? name : `${name} (skipped: ${sharedDataDir} not found; it is required when CI=true)`;
}

export function sharedData(...parts: string[]): string {
  return path.join(sharedDataDir, ...parts);
}

/** This package's own small fixtures (fictional content). */
export function testdata(name: string): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../testdata', name);
}

/** mulberry32: a small seeded generator, so randomised tests repeat exactly. */
export function seededRandom(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
