import { findSpans } from './segments';

/**
 * A transcript as the detector sees it: tokens with the varying parts masked (one placeholder token
 * per kind), then hashed word unigrams and bigrams. Chinese, Japanese and Korean have no spaces
 * between words: each character is a token, so their bigrams are character bigrams.
 */
export interface CallFeatures {
  /** Distinct feature hashes (30-bit), in order of first appearance. */
  features: number[];
  /** Hash of the masked token sequence: equal for transcripts that differ only in varying parts. */
  exact: number;
  tokens: number;
}

const DIGIT_WORDS: Record<string, string> = {
  zero: '0',
  one: '1',
  two: '2',
  three: '3',
  four: '4',
  five: '5',
  six: '6',
  seven: '7',
  eight: '8',
  nine: '9',
};

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
// C0 and C1 controls (NUL included, and \u0001 and \u0002, which mark our placeholders) and unpaired
// surrogates become spaces.
const CONTROL =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function cleanText(transcript: string): string {
  if (PRINTABLE_ASCII.test(transcript)) return transcript;
  // \u0001 and \u0002 mark our placeholders, so they cannot come from the input.
  return transcript.normalize('NFKC').replace(CONTROL, ' ');
}

/** FNV-1a over UTF-16 code units, finished with a murmur3 mix. */
export function hashString(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix(h);
}

export function mix(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function pair(a: number, b: number): number {
  return mix(Math.imul(a, 0x9e3779b1) ^ (b + 0x7f4a7c15));
}

/** The transcript with each varying part replaced by a placeholder (and phones by their number too). */
function masked(transcript: string): string {
  const text = cleanText(transcript);
  const spans = findSpans(text);
  if (spans.length === 0) return text;
  let out = '';
  let at = 0;
  let extra = '';
  for (const span of spans) {
    // Single digits are part of the script ("press 1").
    if (span.kind === 'number' && span.end - span.start === 1) continue;
    out += text.slice(at, span.start) + ` \u0001${span.kind} `;
    at = span.end;
    // A callback number is often the campaign's own: a token of its own as well, kept apart from the
    // word sequence (after \u0002, which ends bigrams).
    if (span.e164) extra += ` \u0001tel${span.e164.slice(2)}`;
  }
  out += text.slice(at);
  return extra === '' ? out : `${out} \u0002${extra}`;
}

function isCjk(c: number): boolean {
  return (
    (c >= 0x4e00 && c <= 0x9fff) || // CJK unified ideographs
    (c >= 0x3400 && c <= 0x4dbf) ||
    (c >= 0x3040 && c <= 0x30ff) || // hiragana, katakana
    (c >= 0xac00 && c <= 0xd7af) || // hangul syllables
    (c >= 0xf900 && c <= 0xfaff)
  );
}

const WORDISH = /[\p{L}\p{M}\p{N}]/u;
const DIGIT_HASHES = new Map<number, number>(
  Object.entries(DIGIT_WORDS).map(([word, digit]) => [hashString(word), hashString(digit)]),
);

/**
 * Token hashes of a transcript, in order: lower-cased words (apostrophes dropped, digit words as
 * digits), a CJK character alone, placeholders as words. 0 marks a break that bigrams do not cross.
 */
export function tokenHashes(transcript: string): number[] {
  const text = masked(transcript);
  const out: number[] = [];
  let h = 0x811c9dc5;
  let len = 0;
  const flush = (): void => {
    if (len === 0) return;
    const t = mix(h);
    out.push(DIGIT_HASHES.get(t) ?? t);
    h = 0x811c9dc5;
    len = 0;
  };
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 128) {
      if (c >= 65 && c <= 90) c |= 0x20;
      else if (c === 39 || c === 96)
        continue; // apostrophes join "don't" into one word
      else if (c === 2) {
        flush();
        out.push(0);
        continue;
      } else if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 1)) {
        flush();
        continue;
      }
    } else if (c === 0x2019) continue;
    else if (isCjk(c)) {
      flush();
      h = Math.imul(h ^ c, 0x01000193);
      len = 1;
      flush();
      continue;
    } else {
      const ch = text[i] as string;
      if (!WORDISH.test(ch)) {
        flush();
        continue;
      }
      c = ch.toLowerCase().charCodeAt(0);
    }
    h = Math.imul(h ^ c, 0x01000193);
    len++;
  }
  flush();
  return out;
}

// Scratch open-addressing set for featuresOf (single-threaded, reused between calls).
let table = new Int32Array(1 << 12);
let stamps = new Uint32Array(1 << 12);
let generation = 0;

export function featuresOf(transcript: string | null | undefined): CallFeatures {
  if (!transcript) return { features: [], exact: 0, tokens: 0 };
  const hashes = tokenHashes(transcript);
  while (table.length < hashes.length * 4) {
    table = new Int32Array(table.length * 2);
    stamps = new Uint32Array(stamps.length * 2);
  }
  if (++generation === 0xffffffff) {
    stamps.fill(0);
    generation = 1;
  }
  const mask = table.length - 1;
  const features: number[] = [];
  // 30 bits: small integers to V8, no boxed numbers in the detector's maps.
  const add = (f: number): void => {
    const h = f & 0x3fffffff;
    let at = h & mask;
    while (stamps[at] === generation) {
      if (table[at] === h) return;
      at = (at + 1) & mask;
    }
    stamps[at] = generation;
    table[at] = h;
    features.push(h);
  };
  let exact = 0x12345;
  let prev = 0;
  let tokens = 0;
  for (const h of hashes) {
    if (h === 0) {
      prev = 0;
      continue;
    }
    add(h);
    if (prev !== 0) add(pair(prev, h));
    exact = pair(exact, h);
    prev = h;
    tokens++;
  }
  return { features, exact: tokens === 0 ? 0 : exact, tokens };
}
