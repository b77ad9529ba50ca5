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

/** Callback numbers a call's features keep (a recording rarely says more than one or two). */
export const MAX_CALLBACKS = 8;

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

/** Placeholder token of a kind of varying part: the hash of `\u0001kind`, as the tokenizer reads it. */
const PLACEHOLDER = new Map<string, number>();
function placeholder(kind: string): number {
  let t = PLACEHOLDER.get(kind);
  if (t === undefined) PLACEHOLDER.set(kind, (t = wordHash(`\u0001${kind}`)));
  return t;
}

function wordHash(word: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193);
  return digitWord(mix(h));
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
// A 1,024-bit filter over the digit words' hashes: most tokens skip the map.
const DIGIT_FILTER = new Uint8Array(1024);
for (const h of DIGIT_HASHES.keys()) DIGIT_FILTER[h & 1023] = 1;
function digitWord(t: number): number {
  return DIGIT_FILTER[t & 1023] === 1 ? (DIGIT_HASHES.get(t) ?? t) : t;
}

// Lower-cased code unit of a non-ASCII BMP character that belongs to a word, 0 for a separator;
// -1 not looked up yet. WORDISH and toLowerCase are slow for one character at a time.
const LOWER = new Int32Array(0x10000).fill(-1);
function lowerOf(c: number): number {
  let l = LOWER[c] as number;
  if (l < 0) {
    const ch = String.fromCharCode(c);
    l = WORDISH.test(ch) ? ch.toLowerCase().charCodeAt(0) : 0;
    LOWER[c] = l;
  }
  return l;
}

/** Token hashes, reused between calls (single-threaded). */
let tokenBuf = new Int32Array(1024);
let tokenLen = 0;

function pushToken(t: number): void {
  if (tokenLen === tokenBuf.length) {
    const grown = new Int32Array(tokenBuf.length * 2);
    grown.set(tokenBuf);
    tokenBuf = grown;
  }
  tokenBuf[tokenLen++] = t;
}

/**
 * Tokenizes text[from, to) into tokenBuf. Reads as the words of the masked transcript would: the
 * varying parts are given as placeholder tokens by the caller, between the stretches read here.
 */
function scanWords(text: string, from: number, to: number): void {
  let h = 0x811c9dc5;
  let len = 0;
  for (let i = from; i < to; i++) {
    let c = text.charCodeAt(i);
    if (c < 128) {
      if (c >= 97 && c <= 122) {
        // lower-case letter: most characters
      } else if (c >= 65 && c <= 90) c |= 0x20;
      else if (c >= 48 && c <= 57) {
        // digit
      } else if (c === 39 || c === 96)
        continue; // apostrophes join "don't" into one word
      else {
        if (len !== 0) {
          pushToken(digitWord(mix(h)));
          h = 0x811c9dc5;
          len = 0;
        }
        continue;
      }
    } else if (c === 0x2019) continue;
    else if (isCjk(c)) {
      if (len !== 0) {
        pushToken(digitWord(mix(h)));
        len = 0;
      }
      pushToken(digitWord(mix(Math.imul(0x811c9dc5 ^ c, 0x01000193))));
      h = 0x811c9dc5;
      continue;
    } else {
      c = lowerOf(c);
      if (c === 0) {
        if (len !== 0) {
          pushToken(digitWord(mix(h)));
          h = 0x811c9dc5;
          len = 0;
        }
        continue;
      }
    }
    h = Math.imul(h ^ c, 0x01000193);
    len++;
  }
  if (len !== 0) pushToken(digitWord(mix(h)));
}

/**
 * Tokens of the masked transcript into tokenBuf: lower-cased words (apostrophes dropped, digit words
 * as digits), a CJK character alone, a placeholder per varying part; then, after a 0 (a break
 * bigrams do not cross), a token per spoken callback number (campaigns often share theirs).
 */
function scanTokens(transcript: string): void {
  tokenLen = 0;
  const text = cleanText(transcript);
  const spans = findSpans(text);
  let at = 0;
  let tel: string[] | null = null;
  for (const span of spans) {
    // Single digits are part of the script ("press 1").
    if (span.kind === 'number' && span.end - span.start === 1) continue;
    scanWords(text, at, span.start);
    pushToken(placeholder(span.kind));
    at = span.end;
    if (span.e164) (tel ??= []).push(span.e164.slice(2));
  }
  scanWords(text, at, text.length);
  if (tel !== null) {
    pushToken(0);
    for (const digits of tel) pushToken(wordHash(`\u0001tel${digits}`));
  }
}

/**
 * Token hashes of a transcript, in order: lower-cased words (apostrophes dropped, digit words as
 * digits), a CJK character alone, placeholders as words. 0 marks a break that bigrams do not cross.
 */
export function tokenHashes(transcript: string): number[] {
  scanTokens(transcript);
  return Array.from(tokenBuf.subarray(0, tokenLen), (t) => t >>> 0);
}

/**
 * A call's distinct features in reusable typed arrays, with an open-addressing table to find a
 * feature's position: the detector scores clusters against it without allocating. One instance is
 * reused from call to call (single-threaded); `fill`/`add` start and grow it.
 */
export class FeatureSet {
  feats = new Int32Array(256);
  /** Per feature: its idf weight and the share the query gives it (1 for a call). */
  weights = new Float64Array(256);
  shares = new Float64Array(256);
  /** Σ weight × share, set by whoever fills the weights. */
  mass = 0;
  len = 0;
  exact = 0;
  tokens = 0;
  /** Features of the spoken callback numbers (also among `feats`), at most MAX_CALLBACKS. */
  callbacks = new Int32Array(MAX_CALLBACKS);
  ncallbacks = 0;
  private slots = new Int32Array(1024);
  private stamps = new Uint32Array(1024);
  private generation = 0;

  clear(expected: number): void {
    while (this.slots.length < expected * 4) {
      this.slots = new Int32Array(this.slots.length * 2);
      this.stamps = new Uint32Array(this.stamps.length * 2);
    }
    if (this.feats.length < expected) this.grow(expected);
    if (++this.generation === 0xffffffff) {
      this.stamps.fill(0);
      this.generation = 1;
    }
    this.len = 0;
    this.exact = 0;
    this.tokens = 0;
    this.ncallbacks = 0;
  }

  private grow(min: number): void {
    let cap = this.feats.length;
    while (cap < min) cap *= 2;
    const f = new Int32Array(cap);
    f.set(this.feats.subarray(0, this.len));
    this.feats = f;
    this.weights = new Float64Array(cap);
    this.shares = new Float64Array(cap);
  }

  /** Adds a feature unless present; its index either way. */
  add(h: number): number {
    const mask = this.slots.length - 1;
    let at = h & mask;
    const gen = this.generation;
    while (this.stamps[at] === gen) {
      const i = this.slots[at] as number;
      if (this.feats[i] === h) return i;
      at = (at + 1) & mask;
    }
    if (this.len === this.feats.length || this.len * 4 >= this.slots.length) {
      // Out of room (only when `clear` was told too few): start over bigger, same order.
      const kept = this.feats.slice(0, this.len);
      const weights = this.weights.slice(0, this.len);
      const shares = this.shares.slice(0, this.len);
      const ncallbacks = this.ncallbacks;
      this.clear(this.len * 2 + 16);
      this.ncallbacks = ncallbacks;
      for (let i = 0; i < kept.length; i++) {
        const j = this.add(kept[i] as number);
        this.weights[j] = weights[i] as number;
        this.shares[j] = shares[i] as number;
      }
      return this.add(h);
    }
    this.stamps[at] = gen;
    this.slots[at] = this.len;
    this.feats[this.len] = h;
    return this.len++;
  }

  /** Index of a feature, or -1. */
  indexOf(h: number): number {
    const mask = this.slots.length - 1;
    let at = h & mask;
    const gen = this.generation;
    while (this.stamps[at] === gen) {
      const i = this.slots[at] as number;
      if (this.feats[i] === h) return i;
      at = (at + 1) & mask;
    }
    return -1;
  }
}

/**
 * The features of a transcript into `out`: distinct hashed unigrams and bigrams (30-bit: small
 * integers to V8), in order of first appearance, and the hash of the masked token sequence.
 */
export function scanFeatures(transcript: string | null | undefined, out: FeatureSet): void {
  if (!transcript) {
    out.clear(0);
    return;
  }
  scanTokens(transcript);
  out.clear(tokenLen * 2);
  let exact = 0x12345;
  let prev = 0;
  let tokens = 0;
  let tel = false;
  for (let i = 0; i < tokenLen; i++) {
    const h = tokenBuf[i] as number;
    if (h === 0) {
      // Callback-number tokens follow the break.
      prev = 0;
      tel = true;
      continue;
    }
    if (tel && out.ncallbacks < MAX_CALLBACKS) {
      const f = h & 0x3fffffff;
      let k = 0;
      while (k < out.ncallbacks && out.callbacks[k] !== f) k++;
      if (k === out.ncallbacks) out.callbacks[out.ncallbacks++] = f;
    }
    out.add(h & 0x3fffffff);
    if (prev !== 0) out.add(pair(prev, h) & 0x3fffffff);
    exact = pair(exact, h);
    prev = h;
    tokens++;
  }
  out.exact = tokens === 0 ? 0 : exact;
  out.tokens = tokens;
}

const scratch = new FeatureSet();

export function featuresOf(transcript: string | null | undefined): CallFeatures {
  if (!transcript) return { features: [], exact: 0, tokens: 0 };
  scanFeatures(transcript, scratch);
  return {
    features: Array.from(scratch.feats.subarray(0, scratch.len)),
    exact: scratch.exact,
    tokens: scratch.tokens,
  };
}
