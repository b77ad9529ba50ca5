import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SHAKEN_LINT_RULES, lintShakenCertificate, type LintStatus } from './lint';
import { dataSuiteName, readCsvRecords, runDataSuite, shakenData } from './testing/shared-data';

/**
 * Martini Security's zlint fork (v3/testdata @ a7f11f7): 77 certificates that each break one
 * ATIS-1000080 / SHAKEN CP requirement, and the verdict every lint gives on them. The certificates
 * expired in 2022; the linter judges structure only, so their dates do not matter.
 */

const STATUS: Record<string, LintStatus> = {
  Pass: 'pass',
  Error: 'error',
  Warn: 'warn',
  Notice: 'notice',
  NA: 'na',
};

function read(file: string): string {
  return readFileSync(shakenData('zlint-certs', file), 'utf8');
}

describe.skipIf(!runDataSuite)(dataSuiteName('zlint SHAKEN certificate vectors'), () => {
  const expectations = runDataSuite ? readCsvRecords(read('expected-lint-results.csv')) : [];
  const catalog = runDataSuite ? readCsvRecords(read('lint-code-catalog.csv')) : [];

  it('has the vectors', () => {
    expect(expectations.length).toBeGreaterThanOrEqual(120);
    expect(catalog.length).toBeGreaterThanOrEqual(30);
  });

  it.each(
    expectations.map(
      (row) => [row.lint ?? '', row.case ?? '', row.cert_file ?? '', row.expected_status ?? ''] as const,
    ),
  )('%s — %s (%s) → %s', (lint, _case, file, expected) => {
    const result = lintShakenCertificate(read(file));
    if (!result.parsed) throw new Error(result.reason);
    const finding = result.findings.find((f) => f.rule === lint);
    expect(finding, `no rule ${lint}`).toBeDefined();
    expect(finding?.status, finding?.message).toBe(STATUS[expected]);
  });

  it('reads all 77 certificates and gives every rule a verdict on each', () => {
    const files = readdirSync(shakenData('zlint-certs')).filter((f) => f.endsWith('.pem'));
    expect(files).toHaveLength(77);
    for (const file of files) {
      const result = lintShakenCertificate(read(file));
      expect(result.parsed, file).toBe(true);
      if (result.parsed)
        expect(result.findings.map((f) => f.rule)).toEqual(SHAKEN_LINT_RULES.map((r) => r.rule));
    }
  });

  it('infers the certificate role the way the vectors intend', () => {
    const role = (file: string) => {
      const result = lintShakenCertificate(read(file));
      return result.parsed ? result.role : null;
    };
    expect(role('shakenCert.pem')).toBe('leaf');
    expect(role('shakenCa.pem')).toBe('ca');
    expect(role('shakenCaEmpty.pem')).toBe('ca');
    expect(role('shakenRoot.pem')).toBe('root');
    expect(role('shakenRootAKIWrong.pem')).toBe('root');
    // An explicit role overrides inference.
    const forced = lintShakenCertificate(read('shakenCa.pem'), { role: 'leaf' });
    expect(forced.parsed && forced.findings.find((f) => f.rule === 'e_atis_basic_constraints')?.status).toBe(
      'error',
    );
  });

  it('covers every requirement of the lint code catalog with at least one rule', () => {
    const covered = new Set(SHAKEN_LINT_RULES.flatMap((r) => [r.rule, ...r.catalog]));
    const missing = catalog.map((row) => row.code ?? '').filter((code) => !covered.has(code));
    expect(missing).toEqual([]);
  });

  it('passes the reference leaf, intermediate and root on every error-level rule', () => {
    for (const file of ['shakenCert.pem', 'shakenCa.pem', 'shakenRoot.pem']) {
      const result = lintShakenCertificate(read(file));
      if (!result.parsed) throw new Error(result.reason);
      // CP v1.3 certificates: no cRLIssuer required (a CP v1.4 requirement).
      expect(
        result.errors.map((f) => f.rule),
        file,
      ).toEqual([]);
    }
  });
});
