import { describe, expect, it } from 'vitest';
import {
  CALL_LIMITS,
  callRowFields,
  callRowLayout,
  parseCallRecord,
  parseCallRow,
  parseCallTime,
  ZCallRecordInput,
  type CallRecordParse,
  type TCallRecord,
  type TFieldError,
} from './calls';

function ok(raw: Record<string, unknown>): TCallRecord {
  const r = parseCallRecord(raw);
  if (!r.ok) throw new Error(`refused: ${JSON.stringify(r.errors)}`);
  return r.record;
}
function errors(raw: Record<string, unknown>): TFieldError[] {
  const r: CallRecordParse = parseCallRecord(raw);
  if (r.ok) throw new Error(`accepted: ${JSON.stringify(r.record)}`);
  return r.errors;
}
const paths = (raw: Record<string, unknown>) => errors(raw).map((e) => e.path);

describe('parseCallRecord', () => {
  it('reads a full record: numbers in E.164, the time with its precision, text as sent', () => {
    expect(
      ok({
        externalId: 'hp-1',
        startedAt: '2026-11-30T09:03:11-05:00',
        callingNumber: '(202) 555-0143',
        calledNumber: '+1 312-555-0188',
        transcript: 'Your car warranty is about to expire',
        language: 'en-US',
        durationSeconds: 42.5,
        identityHeader: 'eyJ.a.b;info=<https://x.example/c.pem>',
        audioFingerprint: 'fp:abc',
        kind: 'honeypot',
        metadata: { trap: 7 },
      }),
    ).toEqual({
      externalId: 'hp-1',
      startedAt: new Date('2026-11-30T14:03:11Z'),
      startedAtPrecision: 'second',
      callingNumber: '+12025550143',
      calledNumber: '+13125550188',
      transcript: 'Your car warranty is about to expire',
      language: 'en-US',
      durationSeconds: 42.5,
      identityHeader: 'eyJ.a.b;info=<https://x.example/c.pem>',
      audioFingerprint: 'fp:abc',
      kind: 'honeypot',
      metadata: { trap: 7 },
    });
  });

  it('takes the id and the caller under every spelling feeds use', () => {
    for (const key of ['externalId', 'external_id', 'id'])
      expect(ok({ [key]: 'x-1' }).externalId).toBe('x-1');
    for (const key of ['callingNumber', 'calling_number', 'callerNumber', 'caller_number'])
      expect(ok({ id: 'x', [key]: '2025550143' }).callingNumber).toBe('+12025550143');
    const snake = ok({
      external_id: 'x',
      started_at: '2026-11-30',
      called_number: '3125550188',
      duration_seconds: '12',
      identity_header: 'h',
      audio_fingerprint: 'f',
    });
    expect(snake).toMatchObject({
      startedAtPrecision: 'day',
      calledNumber: '+13125550188',
      durationSeconds: 12,
      identityHeader: 'h',
      audioFingerprint: 'f',
      metadata: null,
    });
    // The first spelling with a value wins; an empty one gives way.
    expect(ok({ externalId: '', id: 'second' }).externalId).toBe('second');
  });

  it('accepts a numeric id (JSON feeds number their calls) and trims ids', () => {
    expect(ok({ id: 12345 }).externalId).toBe('12345');
    expect(ok({ externalId: '  a b  ' }).externalId).toBe('a b');
  });

  it('requires an id, and refuses one that is not text or too long', () => {
    expect(errors({})).toEqual([
      { path: 'externalId', message: 'is required: the id the feed gave this call' },
    ]);
    expect(paths({ id: '   ' })).toEqual(['externalId']);
    expect(paths({ id: null })).toEqual(['externalId']);
    expect(errors({ id: true })).toEqual([{ path: 'externalId', message: 'must be a string' }]);
    expect(errors({ id: { a: 1 } })[0]!.message).toBe('must be a string');
    expect(errors({ id: 'x'.repeat(CALL_LIMITS.externalId + 1) })).toEqual([
      { path: 'externalId', message: `is longer than ${CALL_LIMITS.externalId} characters` },
    ]);
    expect(ok({ id: 'x'.repeat(CALL_LIMITS.externalId) }).externalId).toHaveLength(CALL_LIMITS.externalId);
  });

  it('reports every problem with its field, not only the first', () => {
    expect(
      paths({
        startedAt: 'yesterday',
        callingNumber: 'call me',
        calledNumber: '12',
        language: 'english please',
        durationSeconds: -1,
        kind: 'robot',
        metadata: [1],
        transcript: 5,
        identityHeader: 'x'.repeat(CALL_LIMITS.identityHeader + 1),
        audioFingerprint: 7,
      }).sort(),
    ).toEqual(
      [
        'externalId',
        'startedAt',
        'callingNumber',
        'calledNumber',
        'language',
        'durationSeconds',
        'kind',
        'metadata',
        'transcript',
        'identityHeader',
        'audioFingerprint',
      ].sort(),
    );
  });

  describe('numbers', () => {
    it('reads withheld caller IDs as no number', () => {
      for (const v of [
        '',
        'anonymous',
        'Anonymous',
        ' RESTRICTED ',
        'private',
        'unknown',
        'Unavailable',
        'withheld',
        'null',
        null,
      ])
        expect(ok({ id: 'x', callingNumber: v }).callingNumber, String(v)).toBeNull();
      expect(ok({ id: 'x' }).callingNumber).toBeNull();
    });

    it('normalises the formats feeds write, including a number given as a JSON number', () => {
      for (const v of [
        '+12025550143',
        '12025550143',
        '2025550143',
        '202-555-0143',
        '(202) 555-0143',
        '202.555.0143',
      ])
        expect(ok({ id: 'x', callingNumber: v }).callingNumber, v).toBe('+12025550143');
      expect(ok({ id: 'x', calledNumber: 2025550143 }).calledNumber).toBe('+12025550143');
      expect(ok({ id: 'x', callingNumber: '+44 20 7946 0958' }).callingNumber).toBe('+442079460958');
    });

    it('refuses what cannot be a phone number, saying why', () => {
      expect(errors({ id: 'x', callingNumber: 'call me' })).toEqual([
        { path: 'callingNumber', message: '"call me" contains characters a phone number cannot have' },
      ]);
      expect(errors({ id: 'x', calledNumber: '555' })[0]).toEqual({
        path: 'calledNumber',
        message: '"555" has too few digits to be a phone number',
      });
      expect(errors({ id: 'x', callingNumber: '1'.repeat(41) })[0]).toEqual({
        path: 'callingNumber',
        message: 'is longer than 40 characters',
      });
      expect(errors({ id: 'x', callingNumber: 2.5 })[0]!.message).toBe('must be a string');
      expect(errors({ id: 'x', callingNumber: ['2025550143'] })[0]!.message).toBe('must be a string');
    });
  });

  describe('times', () => {
    it('keeps an instant with its offset as that instant, precision second', () => {
      expect(ok({ id: 'x', startedAt: '2026-11-30T14:03:11Z' })).toMatchObject({
        startedAt: new Date('2026-11-30T14:03:11Z'),
        startedAtPrecision: 'second',
      });
      expect(ok({ id: 'x', startedAt: '2026-11-30T14:03Z' }).startedAt).toEqual(
        new Date('2026-11-30T14:03:00Z'),
      );
      expect(ok({ id: 'x', startedAt: '2026-11-30T23:30:00.250-08:00' }).startedAt).toEqual(
        new Date('2026-12-01T07:30:00.250Z'),
      );
      expect(ok({ id: 'x', startedAt: ' 2026-11-30T14:03:11+00:00 ' }).startedAtPrecision).toBe('second');
    });

    it('keeps a day as 12:00 UTC, precision day', () => {
      expect(ok({ id: 'x', startedAt: '2026-11-30' })).toMatchObject({
        startedAt: new Date('2026-11-30T12:00:00Z'),
        startedAtPrecision: 'day',
      });
      expect(ok({ id: 'x', startedAt: '2028-02-29' }).startedAt).toEqual(new Date('2028-02-29T12:00:00Z'));
    });

    it('leaves an absent time to the receipt, precision unknown', () => {
      for (const v of [undefined, null, ''])
        expect(ok({ id: 'x', startedAt: v }), String(v)).toMatchObject({
          startedAt: null,
          startedAtPrecision: 'unknown',
        });
    });

    it('refuses days and times that are not on the calendar or the clock', () => {
      for (const v of [
        '2026-02-30',
        '2026-02-29',
        '2026-13-01',
        '2026-00-10',
        '2026-02-30T10:00:00Z',
        '2026-04-31T10:00:00Z',
        '2026-01-01T24:00:00Z',
        '2026-01-01T10:60:00Z',
        '2026-01-01T10:00:61Z',
        '2026-01-01T10:00:00+25:00',
      ])
        expect(parseCallTime(v).ok, v).toBe(false);
      expect(errors({ id: 'x', startedAt: '2026-02-30' })).toEqual([
        { path: 'startedAt', message: '"2026-02-30" is not a calendar day' },
      ]);
    });

    it('refuses a time without an offset, in another format, or not text', () => {
      for (const v of ['2026-11-30T14:03:11', '30/11/2026', '2026-11-30 14:03:11Z', 'now', '1764511391'])
        expect(errors({ id: 'x', startedAt: v }), v).toEqual([
          {
            path: 'startedAt',
            message: `"${v}" is not a time with an offset (2026-11-30T14:03:11Z) or a day (2026-11-30)`,
          },
        ]);
      expect(errors({ id: 'x', startedAt: 1764511391 })[0]!.message).toBe(
        'must be a string: a time with an offset or a day',
      );
      expect(errors({ id: 'x', startedAt: `2026-11-30T14:03:11.${'1'.repeat(40)}Z` })[0]!.message).toBe(
        'is longer than 40 characters',
      );
    });

    it('refuses years no call was made in (PostgreSQL has no year 0)', () => {
      for (const v of [
        '0000-06-01T00:00:00Z',
        '0001-01-01T00:30:00+01:00',
        '1969-12-31',
        '2100-01-01',
        '9999-12-31T00:00:00Z',
      ])
        expect(paths({ id: 'x', startedAt: v }), v).toEqual(['startedAt']);
      expect(ok({ id: 'x', startedAt: '1970-01-01T00:00:00Z' }).startedAtPrecision).toBe('second');
    });
  });

  describe('text fields', () => {
    it('drops NUL and other control characters but keeps tab and line breaks', () => {
      const r = ok({
        id: 'a\u0000b',
        transcript: 'line 1\r\nline\u0007 2\u0000\tend\u001b\u007f',
        language: 'en\u0000',
        callingNumber: '202555\u00000143',
      });
      expect(r.externalId).toBe('ab');
      expect(r.transcript).toBe('line 1\r\nline 2\tend');
      expect(r.language).toBe('en');
      expect(r.callingNumber).toBe('+12025550143');
      expect(ok({ id: 'x', metadata: { 'k\u0000ey': 'v\u0000al', n: { m: 'x\u0001' } } }).metadata).toEqual({
        key: 'val',
        n: { m: 'x' },
      });
    });

    it('keeps a backslash written before "u0000" in metadata as text (it once broke the check)', () => {
      expect(ok({ id: 'x', metadata: { path: 'C:\\u0000dir' }, other: 'a\\u0000' }).metadata).toEqual({
        path: 'C:\\u0000dir',
        other: 'a\\u0000',
      });
    });

    it('reads an empty text as absent and refuses text over its limit', () => {
      expect(ok({ id: 'x', transcript: '' }).transcript).toBeNull();
      expect(ok({ id: 'x', transcript: '\u0000' }).transcript).toBeNull();
      expect(ok({ id: 'x', transcript: 't'.repeat(CALL_LIMITS.transcript) }).transcript).toHaveLength(
        CALL_LIMITS.transcript,
      );
      expect(errors({ id: 'x', transcript: 't'.repeat(CALL_LIMITS.transcript + 1) })).toEqual([
        { path: 'transcript', message: `is longer than ${CALL_LIMITS.transcript} characters` },
      ]);
      expect(
        errors({ id: 'x', audioFingerprint: 'f'.repeat(CALL_LIMITS.audioFingerprint + 1) })[0]!.path,
      ).toBe('audioFingerprint');
    });

    it('checks the language tag and the kind', () => {
      for (const v of ['en', 'en-US', 'es-419', 'zh-Hant-TW'])
        expect(ok({ id: 'x', language: v }).language).toBe(v);
      expect(errors({ id: 'x', language: 'english please' })).toEqual([
        { path: 'language', message: '"english please" is not a language tag such as en or en-US' },
      ]);
      expect(errors({ id: 'x', language: 'e' })[0]!.path).toBe('language');
      for (const k of ['honeypot', 'complaint', 'voicemail']) expect(ok({ id: 'x', kind: k }).kind).toBe(k);
      expect(errors({ id: 'x', kind: 'Honeypot' })).toEqual([
        { path: 'kind', message: '"Honeypot" is not one of honeypot, complaint, voicemail' },
      ]);
    });
  });

  describe('duration', () => {
    it('reads seconds as a number or as CSV text', () => {
      expect(ok({ id: 'x', durationSeconds: 0 }).durationSeconds).toBe(0);
      expect(ok({ id: 'x', durationSeconds: ' 61.5 ' }).durationSeconds).toBe(61.5);
      expect(ok({ id: 'x', durationSeconds: CALL_LIMITS.maxDurationSeconds }).durationSeconds).toBe(86_400);
    });

    it('reads a blank cell as no duration, not as zero seconds', () => {
      expect(ok({ id: 'x', durationSeconds: '' }).durationSeconds).toBeNull();
      expect(ok({ id: 'x', durationSeconds: '   ' }).durationSeconds).toBeNull();
      expect(ok({ id: 'x', durationSeconds: null }).durationSeconds).toBeNull();
    });

    it('refuses what is not a number of seconds in range', () => {
      for (const v of ['ten', 'NaN', true, {}, Infinity, '1e400'])
        expect(errors({ id: 'x', durationSeconds: v }), JSON.stringify(v) ?? 'Infinity').toEqual([
          { path: 'durationSeconds', message: 'must be a number of seconds' },
        ]);
      for (const v of [-1, 86_401, '-0.5'])
        expect(errors({ id: 'x', durationSeconds: v }), JSON.stringify(v) ?? 'Infinity').toEqual([
          { path: 'durationSeconds', message: 'must be between 0 and 86400 seconds' },
        ]);
    });
  });

  describe('metadata', () => {
    it('keeps fields hoptrace does not define, under their own names, beside the metadata sent', () => {
      expect(ok({ id: 'x', trap: 'nyc-3', carrier: { name: 'X' }, metadata: { a: 1 } }).metadata).toEqual({
        trap: 'nyc-3',
        carrier: { name: 'X' },
        a: 1,
      });
      // Fields that only describe the record's own fields are not kept.
      expect(
        ok({ id: 'x', startedAtPrecision: 'day', started_at_precision: 'x', source: 'hp' }).metadata,
      ).toBeNull();
      // Nor empty CSV cells.
      expect(ok({ id: 'x', extra: '' }).metadata).toBeNull();
    });

    it('keeps fields named like the members of every object', () => {
      const raw = JSON.parse(
        '{"id":"x","constructor":"c","toString":"t","__proto__":{"p":1},"hasOwnProperty":"h"}',
      ) as Record<string, unknown>;
      const metadata = ok(raw).metadata!;
      expect(Object.keys(metadata).sort()).toEqual([
        '__proto__',
        'constructor',
        'hasOwnProperty',
        'toString',
      ]);
      expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
      expect(JSON.stringify(metadata)).toContain('"__proto__":{"p":1}');
    });

    it('reads metadata sent as JSON text (a CSV column) and refuses what is not an object', () => {
      expect(ok({ id: 'x', metadata: '{"trap":"a"}' }).metadata).toEqual({ trap: 'a' });
      for (const v of ['[1]', 'not json', '3', [1], 5])
        expect(errors({ id: 'x', metadata: v }), String(v)).toEqual([
          { path: 'metadata', message: 'must be a JSON object' },
        ]);
    });

    it(`refuses metadata over ${CALL_LIMITS.metadataBytes} bytes, counting the undefined fields too`, () => {
      const big = 'é'.repeat(CALL_LIMITS.metadataBytes / 2);
      expect(errors({ id: 'x', metadata: { big } })).toEqual([
        { path: 'metadata', message: `is larger than ${CALL_LIMITS.metadataBytes} bytes` },
      ]);
      const half = 'a'.repeat(CALL_LIMITS.metadataBytes / 2);
      expect(errors({ id: 'x', metadata: { half }, other: half })).toEqual([
        {
          path: 'metadata',
          message: `with the fields hoptrace does not define, is larger than ${CALL_LIMITS.metadataBytes} bytes`,
        },
      ]);
      expect(
        ok({ id: 'x', metadata: { s: 'a'.repeat(CALL_LIMITS.metadataBytes - 20) } }).metadata,
      ).not.toBeNull();
    });
  });
});

describe('parseCallRow', () => {
  // A small deterministic generator: every cell drawn from values that take each branch.
  let seed = 20261206;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const CELLS: Record<string, readonly string[]> = {
    external_id: ['hp-1', ' hp-2 ', '', 'x\u0000y', 'a'.repeat(201), '12345'],
    started_at: [
      '2026-11-30T14:03:11Z',
      '2024-02-29T23:59:59Z',
      '2026-02-29T10:00:00Z',
      '2026-04-31T10:00:00Z',
      '2026-11-30T24:00:00Z',
      '2026-11-30T23:60:00Z',
      '1969-12-31T23:59:59Z',
      '2100-01-01T00:00:00Z',
      '2026-11-30t14:03:11z',
      '2026-11-30T14:03:11.5Z',
      '2026-11-30T09:03:11-05:00',
      '2026-11-30',
      ' 2026-11-30T14:03:11Z ',
      '20a6-11-30T14:03:11Z',
      '',
    ],
    calling_number: ['+12025550143', '(202) 555-0143', 'anonymous', '', '12', '+442079460958'],
    transcript: ['press one now', '', 'a\u0007b\tc', 'x'.repeat(20_001)],
    duration_seconds: ['15', '', '-1', 'abc', '86401', ' 7 '],
    kind: ['honeypot', 'voicemail', 'robot', ''],
    metadata: [
      '{"asr":"w","confidence":0.85}',
      '{"big":1e400,"neg":-0}',
      '{"esc":"a\\u0000b","k\\u0001":1}',
      '[1,2]',
      'null',
      '{broken',
      '{"x":"\u007f"}',
      '{"__proto__":{"p":1}}',
      `{"long":"${'y'.repeat(20_000)}"}`,
      '',
    ],
    trap: ['nyc', '', 'a\u0000b'],
    __proto__: ['polluted', ''],
    source: ['ignored', ''],
  };
  it('reads a row exactly as parseCallRecord reads the object of its non-empty cells', () => {
    const header = Object.keys(CELLS).concat('__proto__');
    const layout = callRowLayout(header);
    for (let n = 0; n < 3000; n++) {
      const row = header.map((h) => pick(CELLS[h] ?? ['']));
      const expected = parseCallRecord(callRowFields(layout, row));
      const got = parseCallRow(layout, row);
      expect(JSON.stringify(got), JSON.stringify(row)).toBe(JSON.stringify(expected));
      if (got.ok && expected.ok)
        expect(got.record.startedAt?.getTime()).toBe(expected.record.startedAt?.getTime());
    }
  });

  it('reads a UTC second the same as the same instant written with an offset', () => {
    for (let n = 0; n < 5000; n++) {
      const y = 1965 + Math.floor(rand() * 140);
      const two = (max: number) => String(Math.floor(rand() * max)).padStart(2, '0');
      const base = `${y}-${two(14)}-${two(33)}T${two(26)}:${two(62)}:${two(62)}`;
      const fast = parseCallTime(`${base}Z`);
      const general = parseCallTime(`${base}+00:00`);
      expect(fast.ok, base).toBe(general.ok);
      if (fast.ok && general.ok) expect(fast.value?.at.getTime(), base).toBe(general.value?.at.getTime());
    }
  });
});

describe('ZCallRecordInput', () => {
  it('describes the records parseCallRecord accepts', () => {
    const good = {
      externalId: 'x',
      startedAt: '2026-11-30T14:03:11Z',
      callingNumber: 'anonymous',
      calledNumber: '2025550143',
      durationSeconds: 3,
      kind: 'complaint',
      metadata: { a: 1 },
    };
    expect(ZCallRecordInput.safeParse(good).success).toBe(true);
    expect(parseCallRecord(good).ok).toBe(true);
    const bad = { externalId: '', kind: 'robot', durationSeconds: -3 };
    expect(ZCallRecordInput.safeParse(bad).success).toBe(false);
    expect(paths(bad).sort()).toEqual(['durationSeconds', 'externalId', 'kind']);
  });
});
