import type { Random } from './random';

/**
 * How often each kind of speech-to-text error happens at noise level 1: roughly what a Whisper-class
 * model gives on phone audio recorded by a honeypot. Per-word rates apply to each word; the others to
 * each transcript. The noise level multiplies them all (0 gives the script back unchanged).
 */
export interface SpeechNoiseRates {
  /** The recording started late: the first 1–15 words are missing. */
  lateStart: number;
  /** A word is lost (per word). */
  drop: number;
  /** A word that has a near-miss is written as it (per such word): "warranty" → "warrantee". */
  substitute: number;
  /** A number is written in another way (per number): words for digits, digits spaced out. */
  numberStyle: number;
  /** "uh", "um" between words (per word). */
  filler: number;
  /** The call or the recording ended early: the last part is missing. */
  truncate: number;
  /** Nothing was said (dead air, a beep): no transcript, or the model's usual invention for silence. */
  silence: number;
  /** The model adds a phrase nobody said at the end ("Thank you."). */
  hallucination: number;
  /** The model repeats a sentence (decoder loop). */
  repeat: number;
  /** Written in lower case throughout (some pipelines). */
  lowercase: number;
  /** Commas left out. */
  noCommas: number;
  /** Segments on lines of their own. */
  newlines: number;
}

export const DEFAULT_SPEECH_NOISE: SpeechNoiseRates = {
  lateStart: 0.25,
  drop: 0.03,
  substitute: 0.25,
  numberStyle: 0.35,
  filler: 0.015,
  truncate: 0.12,
  silence: 0.03,
  hallucination: 0.02,
  repeat: 0.01,
  lowercase: 0.05,
  noCommas: 0.1,
  newlines: 0.05,
};

export interface SpeechNoiseOptions {
  /** 0: the clean script; 1: the default rates; 2–3: a poor line. */
  level?: number;
  language?: 'en' | 'es';
  /** Rates at level 1, replacing the defaults one by one. */
  rates?: Partial<SpeechNoiseRates>;
}

/** Near-misses a speech model makes on robocall audio, by lower-case word. */
const NEAR_MISSES_EN: Record<string, readonly string[]> = {
  one: ['won'],
  to: ['two', 'too'],
  for: ['four'],
  your: ["you're", 'you'],
  "you're": ['your'],
  there: ['their'],
  know: ['no'],
  right: ['write'],
  hear: ['here'],
  our: ['are', 'hour'],
  new: ['knew'],
  warranty: ['warrantee', 'warranties'],
  "car's": ['cars', 'car'],
  "vehicle's": ['vehicles'],
  account: ['a count'],
  suspended: ['suspend it'],
  extended: ['extend it'],
  specialist: ['special list'],
  disconnected: ['disconnect it'],
  disconnection: ['disconnect shun'],
  benefits: ['benefit'],
  officer: ['office'],
  automated: ['automatic'],
  press: ['pres', 'dress'],
  courtesy: ['curtsy'],
  immediately: ['immediate'],
  representative: ['represented'],
  northwind: ['north wind', 'northwinds'],
  parcelwing: ['parcel wing'],
  harborcrest: ['harbor crest', 'harbour crest'],
  quorvant: ['corvette', 'quorum'],
  '&': ['and'],
  laptop: ['lap top'],
  brace: ['breeze', 'brass'],
  qualify: ['quality'],
  forfeit: ['for fit'],
  eligible: ['illegible'],
  enrollment: ['enrolment'],
  warrant: ['warrent'],
};
const NEAR_MISSES_ES: Record<string, readonly string[]> = {
  número: ['numero'],
  oprima: ['oprime', 'o prima'],
  llame: ['yame', 'llamé'],
  suspendido: ['suspendida'],
  acción: ['accion'],
  oficial: ['official'],
  beneficios: ['beneficio'],
  impuestos: ['impuesto'],
};

/** Short words heard right far more often than not. */
const COMMON = new Set([
  'to',
  'for',
  'your',
  "you're",
  'there',
  'know',
  'right',
  'hear',
  'our',
  'new',
  'press',
]);

const FILLERS_EN = ['uh', 'um', 'uh,', '...'] as const;
const FILLERS_ES = ['eh', 'este', 'mm'] as const;
const SILENCE_EN = ['you', 'Thank you.', '[BLANK_AUDIO]', '(beep)'] as const;
const SILENCE_ES = ['Gracias.', '[BLANK_AUDIO]'] as const;
const HALLUCINATIONS_EN = [
  ' Thank you.',
  ' Thanks for watching!',
  ' Bye.',
  ' Thank you for your time.',
] as const;
const HALLUCINATIONS_ES = [' Gracias.', ' Gracias por ver el video.'] as const;

const ONES = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
] as const;
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'] as const;
const DIGITS_ES = [
  'cero',
  'uno',
  'dos',
  'tres',
  'cuatro',
  'cinco',
  'seis',
  'siete',
  'ocho',
  'nueve',
] as const;

/** An integer in English words: 1499 → "one thousand four hundred ninety-nine". */
export function numberToWords(n: number): string {
  if (!Number.isInteger(n) || n < 0) throw new Error(`not a whole number: ${n}`);
  if (n < 20) return ONES[n]!;
  if (n < 100) return TENS[Math.floor(n / 10)]! + (n % 10 ? `-${ONES[n % 10]!}` : '');
  if (n < 1000) return `${ONES[Math.floor(n / 100)]!} hundred${n % 100 ? ` ${numberToWords(n % 100)}` : ''}`;
  for (const [size, word] of [
    [1_000_000_000, 'billion'],
    [1_000_000, 'million'],
    [1000, 'thousand'],
  ] as const)
    if (n >= size)
      return `${numberToWords(Math.floor(n / size))} ${word}${n % size ? ` ${numberToWords(n % size)}` : ''}`;
  return String(n);
}

const digitWords = (digits: string, es: boolean) =>
  [...digits].map((d) => (es ? DIGITS_ES : ONES)[Number(d)]!).join(' ');

const PHONE = /^(\d{3})-(\d{3})-(\d{4})$/;
const MONEY = /^\$(\d{1,3}(?:,\d{3})*)(?:\.(\d{2}))?$/;
const PERCENT = /^(\d+)(?:\.(\d))?%$/;
const INTEGER = /^\d+$/;

/** A number token written another way, as a speech model might; null when it has no other way. */
function restyle(core: string, rnd: Random, es: boolean): string | null {
  let m = PHONE.exec(core);
  if (m) {
    const style = rnd.int(0, 4);
    if (style === 0) return `${m[1]!} ${m[2]!} ${m[3]!}`;
    if (style === 1) return `${m[1]!}${m[2]!}${m[3]!}`;
    if (style === 2) return `(${m[1]!}) ${m[2]!}-${m[3]!}`;
    if (style === 3) return `${digitWords(m[1]!, es)}, ${digitWords(m[2]!, es)}, ${digitWords(m[3]!, es)}`;
    return `${m[1]!}-${m[2]!}-${m[3]!.slice(0, 2)} ${m[3]!.slice(2)}`;
  }
  if (es) return INTEGER.test(core) && core.length === 1 ? DIGITS_ES[Number(core)]! : null;
  m = MONEY.exec(core);
  if (m) {
    const dollars = Number(m[1]!.replace(/,/g, ''));
    if (rnd.chance(0.5)) return `${m[1]!}${m[2] ? `.${m[2]}` : ''} dollars`;
    const cents = m[2] ? Number(m[2]) : 0;
    return `${numberToWords(dollars)} dollars${cents ? ` and ${numberToWords(cents)} cents` : ''}`;
  }
  m = PERCENT.exec(core);
  if (m) {
    const decimals = m[2] === undefined ? '' : `.${m[2]}`;
    if (rnd.chance(0.5)) return `${m[1]!}${decimals} percent`;
    const point = m[2] === undefined ? '' : ` point ${ONES[Number(m[2])]!}`;
    return `${numberToWords(Number(m[1]))}${point} percent`;
  }
  if (INTEGER.test(core)) {
    const n = Number(core);
    if (core.length <= 3) return numberToWords(n);
    if (core.length === 4 && n >= 2010 && n < 2100 && rnd.chance(0.5))
      return `twenty ${numberToWords(n - 2000)}`;
    return rnd.chance(0.5) ? [...core].join(' ') : digitWords(core, false);
  }
  return null;
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

interface Miss {
  misses: readonly string[];
  capital: boolean;
  tail: string;
  common: boolean;
}

/** Every written form of a word with near-misses (lower case or capitalised, with its punctuation) → them. */
function missLookup(table: Record<string, readonly string[]>): Map<string, Miss> {
  const map = new Map<string, Miss>();
  for (const [word, misses] of Object.entries(table))
    for (const tail of ['', '.', ',', '!', '?', ':', ';'])
      for (const capital of [false, true])
        map.set((capital ? capitalize(word) : word) + tail, {
          misses,
          capital,
          tail,
          common: COMMON.has(word),
        });
  return map;
}
const MISSES_EN = missLookup(NEAR_MISSES_EN);
const MISSES_ES = missLookup(NEAR_MISSES_ES);

/**
 * First letter and length of every form in a lookup: a word that fails this check is not looked up,
 * which spares hashing most words of a transcript.
 */
function shapesOf(lookup: Map<string, Miss>): Uint8Array {
  const shapes = new Uint8Array(65536);
  for (const form of lookup.keys()) shapes[shapeOf(form)] = 1;
  return shapes;
}
const shapeOf = (word: string) => ((word.charCodeAt(0) << 5) ^ Math.min(word.length, 31)) & 0xffff;
const SHAPES_EN = shapesOf(MISSES_EN);
const SHAPES_ES = shapesOf(MISSES_ES);

/** Words to the next event of probability `p` per word (geometric): one draw per event, not per word. */
function gap(rnd: Random, p: number): number {
  if (p <= 0) return Infinity;
  return Math.floor(Math.log(1 - rnd.next()) / Math.log(1 - p));
}

/**
 * What a speech-to-text model might write for a recording of `text`: seeded by `rnd`, with errors as
 * often as `opts.level` says (see `SpeechNoiseRates`). Null when the recording held no speech at all.
 * Level 0 returns `text` unchanged and draws nothing from `rnd`.
 */
export function transcribe(text: string, rnd: Random, opts: SpeechNoiseOptions = {}): string | null {
  const level = opts.level ?? 1;
  if (level <= 0) return text;
  const rates = opts.rates ? { ...DEFAULT_SPEECH_NOISE, ...opts.rates } : DEFAULT_SPEECH_NOISE;
  const es = opts.language === 'es';

  if (rnd.chance(rates.silence * level)) {
    // Mostly nothing; now and then the model's stock words for silence.
    return rnd.chance(0.7) ? null : rnd.pick(es ? SILENCE_ES : SILENCE_EN);
  }
  const lookup = es ? MISSES_ES : MISSES_EN;
  const shapes = es ? SHAPES_ES : SHAPES_EN;
  let words = text.split(' ');
  if (rnd.chance(rates.lateStart * level) && words.length >= 5) {
    const skip = rnd.int(1, Math.min(15, Math.floor(words.length * 0.4)));
    words = words.slice(skip);
  }
  if (rnd.chance(rates.truncate * level) && words.length > 6) {
    words = words.slice(0, Math.max(4, Math.floor(words.length * (0.4 + rnd.next() * 0.55))));
  }
  const drop = Math.min(0.5, rates.drop * level);
  const filler = Math.min(0.5, rates.filler * level);
  const substitute = rates.substitute * level;
  const numberStyle = rates.numberStyle * level;
  let nextDrop = gap(rnd, drop);
  let nextFiller = gap(rnd, filler);
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    if (i === nextDrop) {
      nextDrop = i + 1 + gap(rnd, drop);
      continue;
    }
    if (i === nextFiller) {
      out.push(rnd.pick(es ? FILLERS_ES : FILLERS_EN));
      nextFiller = i + 1 + gap(rnd, filler);
    }
    let word = words[i]!;
    const c = word.charCodeAt(0);
    if ((c >= 48 && c <= 57) || c === 36) {
      if (rnd.next() < numberStyle) {
        let end = word.length;
        while (end > 0 && '.,!?;:'.includes(word.charAt(end - 1))) end--;
        const styled = restyle(word.slice(0, end), rnd, es);
        if (styled !== null) word = styled + word.slice(end);
      }
    }
    // After a number became words: "press 1" → "press one" → "press won".
    const miss = shapes[shapeOf(word)] ? lookup.get(word) : undefined;
    if (miss && rnd.next() < (miss.common ? substitute * 0.2 : substitute)) {
      const w = rnd.pick(miss.misses);
      word = (miss.capital ? capitalize(w) : w) + miss.tail;
    }
    out.push(word);
  }
  let result = out.join(' ');
  if (rnd.chance(rates.repeat * level)) {
    const sentences = result.match(/[^.!?]+[.!?]+/g);
    const last = sentences?.[sentences.length - 1];
    if (last) result += last.repeat(rnd.int(1, 2));
  }
  if (rnd.chance(rates.hallucination * level)) result += rnd.pick(es ? HALLUCINATIONS_ES : HALLUCINATIONS_EN);
  if (rnd.chance(rates.noCommas * level)) result = result.replace(/,/g, '');
  if (rnd.chance(rates.lowercase * level)) result = result.toLowerCase();
  if (rnd.chance(rates.newlines * level)) result = result.replace(/([.!?]) /g, '$1\n');
  result = result.trim();
  return result === '' ? null : result;
}
