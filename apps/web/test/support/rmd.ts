import type { Demo } from './portal';

/**
 * An FCC RMD export (business_name, number, frn) that lists the demo providers by their filing numbers, all but
 * those with index 3 (mod 4), which carry no RMD number; `extra` rows are appended as they are. Every test that
 * imports the RMD sends this list, so an import by one test file never takes another's filings away.
 */
export function demoRmdExport(demo: Demo, extra: string[] = []): string {
  const rows = demo.providers
    .filter((_, i) => i % 4 !== 3)
    .map(
      (p, i) =>
        `"${p.name}",RMD00${String(51_000 + demo.providers.indexOf(p) * 13).padStart(5, '0')},${31_000 + i}`,
    );
  return ['business_name,number,frn', ...rows, ...extra].join('\n');
}
