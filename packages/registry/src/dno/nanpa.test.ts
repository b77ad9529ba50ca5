import { beforeAll, describe, expect, it } from 'vitest';
import { dataSuiteName, runDataSuite, sharedData, testdata } from '../testing/sharedData';
import { classifyNumber } from './classify';
import { buildDnoIndex } from './dnoIndex';
import {
  invalidNpaEntries,
  loadNanpaNpaReport,
  nanpStructuralEntries,
  npaTimeZones,
  parseNanpaNpaReport,
} from './nanpa';
import type { NanpaReport } from './nanpa';

const HEADER =
  'NPA_ID,type_of_code,ASSIGNABLE,EXPLANATION,RESERVED,ASSIGNED,ASSIGNMENT_DT,USE,LOCATION,COUNTRY,IN_SERVICE,IN_SERVICE_DT,STATUS,PLANNING_LETTERS,"NOTES",OVERLAY,OVERLAY_COMPLEX,PARENT_NPA_ID,SERVICE,TIME_ZONE';

describe('parseNanpaNpaReport', () => {
  it('reads the file date, the rows, and fills a missing zone from overlay partners', async () => {
    const report = await parseNanpaNpaReport(
      [
        'File Date,03/04/2020',
        HEADER,
        '211,Easily Recognizable Code,No,N11 Code,No,No,,N,,,N,,,,"",,,,,',
        '214,General Purpose Code,Yes,,No,Yes,01-JAN-47,G,TX,US,Y,01-JAN-47,,,"",Yes,214/469/972,,,C',
        // Cut short before TIME_ZONE, as 469 and 972 are in the 2020 file.
        '469,General Purpose Code,Yes,,No,Yes,15-OCT-98,G,TX,US,Y,01-JUL-99,Active,161,"",Yes,214/469/972',
        '880,General Purpose Code,No,Set aside for toll free,No,No,,N,,,N,,,,"",,,,,',
        '2x1,General Purpose Code,Yes,,No,No,,G,,,N,,,,"",,,,,',
        '',
      ].join('\n'),
    );
    expect(report.fileDate).toBe('2020-03-04');
    expect(report.records.map((r) => r.npa)).toEqual(['211', '214', '469', '880']);
    expect(report.problems).toEqual([{ line: 7, message: '"2x1" is not an NPA' }]);
    expect(report.records[1]).toMatchObject({
      assigned: true,
      inService: true,
      assignmentDate: '1947-01-01',
      use: 'geographic',
      overlayComplex: ['214', '469', '972'],
      timeZones: ['America/Chicago'],
    });
    expect(report.records[2]?.timeZones).toEqual(['America/Chicago']);
    expect(invalidNpaEntries(report).map((e) => e.id)).toEqual(['nanpa-npa-211']);
  });

  it('refuses a CSV that is not the NPA report', async () => {
    const report = await parseNanpaNpaReport('sku,price\nA-1,2\n');
    expect(report.records).toEqual([]);
    expect(report.problems[0]?.message).toMatch(/not a NANPA NPA report/);
  });

  it('reports an unreadable file', async () => {
    const report = await loadNanpaNpaReport(testdata('no-such-report.csv'));
    expect(report.problems).toHaveLength(1);
  });
});

describe('nanpStructuralEntries', () => {
  it('covers exactly the numbers classifyNumber refuses for their area code or exchange', () => {
    const index = buildDnoIndex(nanpStructuralEntries());
    expect(index.rejected).toEqual([]);
    for (const ten of ['0025550143', '1995550143', '2020550143', '9991999999', '2022000000', '9999999999']) {
      const classified = classifyNumber(ten);
      const structural = classified.kind === 'invalid';
      expect([ten, index.check(`+1${ten}`) !== null]).toEqual([ten, structural]);
    }
  });
});

describe.runIf(runDataSuite)(dataSuiteName('the NANPA NPA report of 2020-03-04'), () => {
  let report: NanpaReport;
  beforeAll(async () => {
    report = await loadNanpaNpaReport(sharedData('nanpa', 'npa_report.csv'));
  });

  it('reads all 800 NPAs', () => {
    expect(report.fileDate).toBe('2020-03-04');
    expect(report.problems).toEqual([]);
    expect(report.records).toHaveLength(800);
    expect(new Set(report.records.map((r) => r.npa)).size).toBe(800);
  });

  it('turns only the never-assignable codes into invalid ranges', () => {
    const entries = invalidNpaEntries(report);
    const npas = entries.map((e) => e.id.replace('nanpa-npa-', ''));
    // 8 N11 + 80 N9X expansion + 20 37X/96X + 555 + 950.
    expect(entries).toHaveLength(110);
    for (const npa of ['211', '911', '290', '999', '370', '969', '555', '950']) expect(npas).toContain(npa);
    // Held for toll-free or released (880, 456); unassigned in 2020 but in service since (645, 943).
    for (const npa of ['880', '889', '456', '645', '943', '945', '822']) expect(npas).not.toContain(npa);
    expect(entries[0]).toMatchObject({
      category: 'invalid',
      start: '+12110000000',
      end: '+12119999999',
      source: 'NANPA NPA report of 2020-03-04',
    });
    expect(buildDnoIndex(entries).rejected).toEqual([]);
  });

  it('maps geographic area codes to IANA time zones', () => {
    const zones = npaTimeZones(report);
    expect(zones.get('201')).toBe('America/New_York');
    expect(zones.get('312')).toBe('America/Chicago');
    expect(zones.get('928')).toBe('America/Phoenix');
    expect(zones.get('808')).toBe('Pacific/Honolulu');
    expect(zones.get('907')).toBe('America/Anchorage');
    expect(zones.get('787')).toBe('America/Puerto_Rico');
    expect(zones.get('671')).toBe('Pacific/Guam');
    expect(zones.get('416')).toBe('America/Toronto');
    expect(zones.get('876')).toBe('America/Jamaica');
    // The file says "E" for 840 (San Bernardino); the state decides.
    expect(zones.get('840')).toBe('America/Los_Angeles');
    // Cut-short rows take their overlay's zone.
    expect(zones.get('469')).toBe('America/Chicago');
    expect(zones.get('972')).toBe('America/Chicago');
    // Split area codes have no single default, and non-geographic codes none at all.
    expect(zones.has('850')).toBe(false);
    expect(report.records.find((r) => r.npa === '850')?.timeZones).toEqual([
      'America/New_York',
      'America/Chicago',
    ]);
    expect(zones.has('800')).toBe(false);

    for (const zone of new Set(report.records.flatMap((r) => r.timeZones))) {
      expect(zone).toMatch(/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)+$/);
      expect(() => new Intl.DateTimeFormat('en-US', { timeZone: zone })).not.toThrow();
    }
    const inServiceGeographic = report.records.filter((r) => r.use === 'geographic' && r.inService);
    expect(inServiceGeographic.filter((r) => r.timeZones.length === 0).map((r) => r.npa)).toEqual([]);
  });
});
