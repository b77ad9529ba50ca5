import { describe, expect, it } from 'vitest';
import * as v from './values';

describe('RMD value normalisers', () => {
  it('pads FRNs that lost their leading zeros to ten digits', () => {
    expect(v.frn('16085920')).toEqual({ ok: true, frn: '0016085920' });
    expect(v.frn('0021441233')).toEqual({ ok: true, frn: '0021441233' });
    expect(v.frn(" '0021-441-233 ")).toEqual({ ok: true, frn: '0021441233' });
  });

  it('refuses FRNs that are too long, not digits or all zeros', () => {
    expect(v.frn('00024842247').ok).toBe(false);
    expect(v.frn('FRN123').ok).toBe(false);
    expect(v.frn('0000000000').ok).toBe(false);
  });

  it('splits other FRNs, drops words and reports malformed numbers', () => {
    expect(v.frnList('0005100383;  0031735129;  0007804123')).toEqual({
      frns: ['0005100383', '0031735129', '0007804123'],
      invalid: [],
    });
    expect(v.frnList('none')).toEqual({ frns: [], invalid: [] });
    expect(v.frnList('Nine')).toEqual({ frns: [], invalid: [] });
    expect(v.frnList('00024842247, Rock County Broadband')).toEqual({ frns: [], invalid: ['00024842247'] });
  });

  it('maps both the short and the FCC long implementation labels', () => {
    expect(v.implementation('Yes')).toBe('complete');
    expect(v.implementation('Partial')).toBe('partial');
    expect(v.implementation('No')).toBe('none');
    expect(v.implementation('Complete STIR/SHAKEN Implementation')).toBe('complete');
    expect(v.implementation('Partial STIR/SHAKEN Implementation - Performing Robocall Mitigation')).toBe(
      'partial',
    );
    expect(v.implementation('No STIR/SHAKEN Implementation - Performing Robocall Mitigation')).toBe('none');
    expect(v.implementation('N/A')).toBe('unknown');
    expect(v.implementation('')).toBe('unknown');
    expect(v.implementation('Not applicable yet')).toBeNull();
    expect(v.implementation('Mostly done')).toBeNull();
  });

  it('reads Yes/No flags and refuses anything else', () => {
    expect(v.yesNo('Yes')).toEqual({ ok: true, value: true });
    expect(v.yesNo(' no ')).toEqual({ ok: true, value: false });
    expect(v.yesNo('')).toEqual({ ok: true, value: null });
    expect(v.yesNo('Maybe')).toEqual({ ok: false });
  });

  it('reads ISO, ServiceNow and US dates and refuses impossible ones', () => {
    expect(v.isoDate('2024-04-24')).toEqual({ ok: true, value: '2024-04-24' });
    expect(v.isoDate('2024-11-05 14:03:22')).toEqual({ ok: true, value: '2024-11-05' });
    expect(v.isoDate('3/14/2025')).toEqual({ ok: true, value: '2025-03-14' });
    expect(v.isoDate('2024-02-30')).toEqual({ ok: false });
    expect(v.isoDate('yesterday')).toEqual({ ok: false });
  });

  it('keeps commas inside names and splits lists only on ; | and line breaks', () => {
    expect(v.nameList('Prime Circuits, Internet 123, Inc.')).toEqual(['Prime Circuits, Internet 123, Inc.']);
    expect(v.nameList('Bluewave Voice; BWT|bwt\nBlue Line')).toEqual(['Bluewave Voice', 'BWT', 'Blue Line']);
    expect(v.nameList('none')).toEqual([]);
  });

  it('keeps address lines, trimmed, and drops placeholder lines', () => {
    expect(v.address(' 10572 Calle Lee \r\nSte 123\r\nLos Alamitos CA 90720')).toBe(
      '10572 Calle Lee\nSte 123\nLos Alamitos CA 90720',
    );
    expect(v.address('null\nnull')).toBeNull();
    expect(v.address('109 E Evanjoy St null Salina OK 74365')).toBe('109 E Evanjoy St Salina OK 74365');
  });

  it('accepts only RMD filing numbers', () => {
    expect(v.filingNumber(' rmd0004008 ')).toBe('RMD0004008');
    expect(v.filingNumber('4008')).toBeNull();
    expect(v.filingNumber('RMD-4008')).toBeNull();
  });
});
