import { describe, expect, it } from 'vitest';
import { csvRecords, firstField, keepRecords } from './csvRows';

describe('csvRows', () => {
  it('splits records on line breaks outside quotes only', () => {
    expect(csvRecords('a,b\r\n1,"x\r\ny"\r\n2,"say ""hi"", then"\n3,z')).toEqual([
      'a,b',
      '1,"x\r\ny"',
      '2,"say ""hi"", then"',
      '3,z',
    ]);
  });

  it('reads the first field, quoted or not', () => {
    expect(firstField('abc,def')).toBe('abc');
    expect(firstField('"a,""b",c')).toBe('a,"b');
    expect(firstField('only')).toBe('only');
  });

  it('keeps the header once and the rows of the ids asked for, in order', () => {
    const pending = 'hop_id,campaign\r\nh1,"Car, warranty"\r\nh2,x\r\n';
    const late = 'hop_id,campaign\r\nh3,y\r\nh4,"multi\r\nline"\r\n';
    expect(keepRecords([pending, late], new Set(['h2', 'h4']))).toBe(
      'hop_id,campaign\r\nh2,x\r\nh4,"multi\r\nline"\r\n',
    );
    expect(keepRecords([pending], new Set())).toBe('hop_id,campaign\r\n');
  });
});
