/**
 * Finding the parts of a transcript that vary from call to call (amounts, dates, callback numbers,
 * agent names, order numbers). The portal highlights them; the detector masks them, so that two calls
 * of one script that differ only there look the same.
 */

export type SegmentKind = 'fixed' | 'number' | 'amount' | 'date' | 'time' | 'phone' | 'name' | 'code';

export interface Span {
  start: number;
  end: number;
  kind: Exclude<SegmentKind, 'fixed'>;
  /** For phones: the number in E.164. */
  e164?: string;
}

const DIGIT_WORDS: Record<string, string> = {
  zero: '0',
  oh: '0',
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

const MONTH = String.raw`(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)`;
const WEEKDAY = String.raw`(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)`;
const ORDINAL = String.raw`\d{1,2}(?:st|nd|rd|th)?`;

// Words before a run of digits that make it an identifier rather than a number to call.
const ID_CONTEXT =
  /\b(?:case|order|reference|ref|account|acct|confirmation|ticket|tracking|invoice|policy|member|id|badge|claim|serial|zip|postal|code|pin|social security|ssn)\b(?:\s+(?:number|no|num|id))?\s*(?:is|#|:)?\s*$/i;

// Numbers in words, as speech-to-text often writes them. Runs are bounded (a dozen words) so that a
// long run of number words cannot make the scan quadratic.
const UNITS = 'zero|one|two|three|four|five|six|seven|eight|nine';
const TENS =
  'ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million';
const NUMBER_WORD = `(?:(?:${UNITS}|${TENS})\\b|\\d[\\d,.]*)`;
const NEXT_WORD = `[\\s-]+(?:and[\\s-]+)?${NUMBER_WORD}`;

// `needs`: what the text must contain for the pattern to have a chance (most transcripts have few digits).
const PATTERNS: Array<{
  kind: Span['kind'];
  re: RegExp;
  needs: 'digit' | 'weekday' | 'digitWords' | 'amountWords';
}> = [
  // Formatted NANP numbers: 833-631-7911, (800) 555 0199, +1 833.631.7911, 1-800-555-0199.
  {
    kind: 'phone',
    re: /(?<![\w$.,])(?:\+?1[\s.-]{0,2})?(?:\(\s*[2-9]\d{2}\s*\)|[2-9]\d{2})[\s.-]{0,2}[2-9]\d{2}[\s.-]{0,2}\d{4}(?![\d])/g,
    needs: 'digit',
  },
  // Digits spoken one by one: 8 3 3 6 3 1 7 9 1 1, 2-1-3-6-0-0-7-5-7-9.
  { kind: 'phone', re: /(?<![\w$.,])(?:1[\s.,-]{1,3})?(?:\d[\s.,-]{1,3}){9}\d(?![\d])/g, needs: 'digit' },
  // Digits as words: eight three three six three one seven nine one one.
  {
    kind: 'phone',
    re: /\b(?:(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)[\s,.-]{1,3}){9,10}(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)\b/gi,
    needs: 'digitWords',
  },
  {
    kind: 'amount',
    re: /(?:\$\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:thousand|million|billion|k)\b)?|\b\d[\d,]*(?:\.\d+)?\s?(?:dollars?|bucks|cents|usd)\b|\b\d+(?:\.\d+)?\s?(?:%|percent\b))/gi,
    needs: 'digit',
  },
  // Amounts spoken in words: "one thousand eight hundred forty-three dollars and ninety-nine cents".
  {
    kind: 'amount',
    re: new RegExp(
      String.raw`\b${NUMBER_WORD}(?:${NEXT_WORD}){0,12}\s+(?:dollars?|cents|percent)(?:\s+and\s+${NUMBER_WORD}(?:${NEXT_WORD}){0,3}\s+cents)?\b`,
      'gi',
    ),
    needs: 'amountWords',
  },
  // Other numbers in words, from ten ("thirty minutes", "twenty-four hours"): as numbers of two digits.
  {
    kind: 'number',
    re: new RegExp(
      String.raw`\b(?:(?:${UNITS})[\s-]+(?:and[\s-]+)?){0,3}(?:${TENS})\b(?:${NEXT_WORD}){0,12}`,
      'gi',
    ),
    needs: 'amountWords',
  },
  {
    kind: 'date',
    re: new RegExp(
      String.raw`\b(?:${WEEKDAY},?\s+)?(?:${MONTH}\.?\s+${ORDINAL}(?:,?\s+\d{4})?|${ORDINAL}\s+of\s+${MONTH})\b|\b\d{1,2}[/-]\d{1,2}[/-]\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b`,
      'gi',
    ),
    needs: 'digit',
  },
  { kind: 'date', re: new RegExp(String.raw`\b${WEEKDAY}\b`, 'gi'), needs: 'weekday' },
  {
    kind: 'time',
    re: /\b\d{1,2}(?::\d{2})?\s?(?:a\.?\s?m\b\.?|p\.?\s?m\b\.?)|\b\d{1,2}:\d{2}\b/gi,
    needs: 'digit',
  },
  // Identifiers: letters and digits mixed (AB12345), or long digit runs (order and case numbers, zip
  // codes). Candidates here, checked by isCode.
  { kind: 'code', re: /\b[a-z]*\d[a-z0-9]*\b/gi, needs: 'digit' },
  { kind: 'number', re: /\b\d+(?:st|nd|rd|th)\b|\b\d[\d,]*(?:\.\d+)?\b/gi, needs: 'digit' },
];

// Common US first names (SSA lists), the usual agents' names of robocall scripts. A name counts when
// it is capitalised; a capitalised word after it is taken as the surname.
const FIRST_NAMES = new Set(
  (
    'james john robert michael william david richard joseph thomas charles christopher daniel matthew anthony ' +
    'donald steven paul andrew joshua kenneth kevin brian george timothy ronald edward jason jeffrey ryan jacob gary ' +
    'nicholas eric jonathan stephen larry justin scott brandon benjamin samuel gregory alexander patrick raymond ' +
    'dennis jerry tyler aaron jose adam nathan henry douglas zachary peter kyle noah ethan jeremy walter christian ' +
    'keith roger terry austin sean gerald carl harold dylan arthur lawrence jordan jesse bryan billy bruce gabriel joe ' +
    'logan alan juan albert willie elijah wayne randy vincent mason roy ralph bobby russell bradley philip eugene ' +
    'mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty sandra margaret ashley ' +
    'kimberly emily donna michelle carol amanda melissa deborah stephanie dorothy rebecca sharon laura cynthia amy ' +
    'kathleen angela shirley brenda emma anna pamela nicole samantha katherine christine helen debra rachel carolyn ' +
    'janet maria catherine heather diane olivia julie joyce victoria ruth virginia lauren kelly christina joan ' +
    'evelyn judith andrea hannah megan cheryl jacqueline martha madison teresa gloria sara janice ann kathryn abigail ' +
    'sophia frances jean alice judy isabella julia amber denise danielle marilyn beverly charlotte natalie ' +
    'theresa diana brittany doris kayla alexis lori marie vanessa tiffany jenny lily ava mia chloe ella ' +
    'jasmine kate katie alex sam tom mike dave steve chris matt nick tony dan ben jim bob ted'
  ).split(' '),
);
const TITLE_CUE =
  /\b(?:officer|agent|detective|sergeant|sgt\.?|lieutenant|inspector|investigator|mr\.?|mrs\.?|ms\.?|dr\.?|my name is|name's)\s+$/i;
const CAPITALISED_WORD = /[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?/y;
// Capitalised words that follow "this is" or "officer" in scripts and are not names.
const NOT_NAMES = new Set(
  (
    'the a an your our this that it is and or from with for on in at to of calling call regarding regards about ' +
    'amazon apple google microsoft paypal visa mastercard american social security medicare federal department ' +
    'officer agent final last important urgent very just only not we you they he she i hello hi'
  ).split(' '),
);

/** Letters and digits mixed, at least 4 long and not an ordinal (21st); or 5 digits and more. */
function isCode(word: string): boolean {
  if (/^\d+$/.test(word)) return word.length >= 5;
  return word.length >= 4 && !/^\d+(?:st|nd|rd|th)$/i.test(word);
}

function claimFree(claimed: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (claimed[i] === 1) return false;
  return true;
}

function claim(claimed: Uint8Array, start: number, end: number): void {
  claimed.fill(1, start, end);
}

// Which characters are taken by a span, reused between calls (single-threaded).
let claimedScratch = new Uint8Array(4096);
function claimedFor(length: number): Uint8Array {
  if (claimedScratch.length < length) claimedScratch = new Uint8Array(length * 2);
  const claimed = claimedScratch.subarray(0, length);
  claimed.fill(0);
  return claimed;
}

function nanpE164(digits: string): string | null {
  let d = digits;
  if (d.length === 11 && d.startsWith('1')) d = d.slice(1);
  if (d.length !== 10) return null;
  // NPA and NXX start with 2–9; N11 area codes (211, 311, …, 911) are service codes.
  if (d[0] === '0' || d[0] === '1' || d[3] === '0' || d[3] === '1') return null;
  if (d[1] === '1' && d[2] === '1') return null;
  return `+1${d}`;
}

function phoneDigits(text: string): string {
  const words = text.toLowerCase().match(/[a-z]+|\d/g) ?? [];
  return words.map((w) => DIGIT_WORDS[w] ?? (/^\d$/.test(w) ? w : '')).join('');
}

/**
 * Stretches of text around digits, wide enough for any pattern that needs a digit ("Wednesday,
 * September 21st, 2022"), cut at spaces so that word boundaries read as in the whole text. Most of a
 * transcript is far from any digit, and scanning only these is what makes masking cheap.
 */
function digitWindows(text: string): Array<[number, number]> {
  const windows: Array<[number, number]> = [];
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) continue;
    let runEnd = i + 1;
    while (runEnd < n && isAsciiDigit(text.charCodeAt(runEnd))) runEnd++;
    let start = Math.max(0, i - 32);
    let end = Math.min(n, runEnd + 32);
    while (start > 0 && !isSpace(text, start - 1)) start--;
    while (end < n && !isSpace(text, end)) end++;
    const last = windows[windows.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else windows.push([start, end]);
    i = Math.max(runEnd, end) - 1;
  }
  return windows;
}

function isAsciiDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

const SPACE = /\s/;
/** As the regular expressions' \s: ASCII whitespace quickly, the rest by the expression. */
function isSpace(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  return SPACE.test(text[i] as string);
}

const AMOUNT_WORDS = new RegExp(String.raw`\b(?:dollars?|cents|percent|${TENS})\b`, 'i');
const SPOKEN_DIGITS =
  /\b(?:one|two|three|four|five|six|seven|eight|nine|zero|oh)[\s,.-]{1,3}(?:one|two|three|four|five|six|seven|eight|nine|zero|oh)\b/i;

/**
 * Varying parts found in a transcript, in order, not overlapping. `spokenDigits` looks for phone
 * numbers spoken digit by digit as words too (slower; the detector does without).
 */
export function findSpans(text: string, opts: { spokenDigits?: boolean } = {}): Span[] {
  const claimed = claimedFor(text.length);
  const spans: Span[] = [];
  const whole: Array<[number, number]> = [[0, text.length]];
  const windows = {
    digit: digitWindows(text),
    weekday: /day\b/i.test(text) ? whole : [],
    digitWords: opts.spokenDigits === true && SPOKEN_DIGITS.test(text) ? whole : [],
    amountWords: AMOUNT_WORDS.test(text) ? whole : [],
  };
  for (const pattern of PATTERNS) scan(text, pattern, windows, claimed, spans);
  findNames(text, claimed, spans);
  return spans.sort((a, b) => a.start - b.start);
}

type Pattern = (typeof PATTERNS)[number];

function scan(
  text: string,
  { kind, re, needs }: Pattern,
  windows: Record<Pattern['needs'], Array<[number, number]>>,
  claimed: Uint8Array,
  spans: Span[],
): void {
  for (const [from, to] of windows[needs]) {
    const part = from === 0 && to === text.length ? text : text.slice(from, to);
    re.lastIndex = 0;
    for (let m = re.exec(part); m !== null; m = re.exec(part)) {
      const start = from + m.index;
      let end = start + m[0].length;
      // Trailing separators belong to the text around.
      while (end > start && /[\s.,-]/.test(text[end - 1] ?? '')) end--;
      if (end <= start || !claimFree(claimed, start, end)) continue;
      if (kind === 'code' && !isCode(text.slice(start, end))) continue;
      if (kind === 'phone') {
        const e164 = nanpE164(phoneDigits(text.slice(start, end)));
        if (e164 === null || ID_CONTEXT.test(text.slice(Math.max(0, start - 40), start))) continue;
        spans.push({ start, end, kind, e164 });
      } else spans.push({ start, end, kind });
      claim(claimed, start, end);
    }
  }
}

function findNames(text: string, claimed: Uint8Array, spans: Span[]): void {
  const word = /[A-Z][a-z]+/g;
  for (let m = word.exec(text); m !== null; m = word.exec(text)) {
    const lower = m[0].toLowerCase();
    const isName =
      FIRST_NAMES.has(lower) ||
      (!NOT_NAMES.has(lower) &&
        mayFollowTitle(text, m.index) &&
        TITLE_CUE.test(text.slice(Math.max(0, m.index - 16), m.index)));
    if (!isName) continue;
    let end = m.index + m[0].length;
    // A surname: the next capitalised word, unless it starts a sentence of its own.
    const space = /^ +/.exec(text.slice(end, end + 3));
    if (space) {
      CAPITALISED_WORD.lastIndex = end + space[0].length;
      const sur = CAPITALISED_WORD.exec(text);
      if (sur && !NOT_NAMES.has(sur[0].toLowerCase())) end = sur.index + sur[0].length;
    }
    if (!claimFree(claimed, m.index, end)) continue;
    claim(claimed, m.index, end);
    spans.push({ start: m.index, end, kind: 'name' });
    word.lastIndex = end;
  }
}

// The last letters of every TITLE_CUE alternative ("name's" ends in "s", "sgt." in "sgt").
const TITLE_ENDS = new Set(
  'officer agent detective sergeant sgt lieutenant inspector investigator mr mrs ms dr is s'.split(' '),
);
/**
 * A quick necessary condition for TITLE_CUE before `at`: whitespace, then (after an optional dot)
 * a run of letters that ends one of its words. Most capitalised words fail it without the regex.
 */
function mayFollowTitle(text: string, at: number): boolean {
  let i = at - 1;
  if (i < 0 || !isSpace(text, i)) return false;
  while (i >= 0 && isSpace(text, i)) i--;
  if (i >= 0 && text.charCodeAt(i) === 46) i--;
  const end = i + 1;
  while (i >= 0 && end - i <= 13 && isAsciiLetter(text.charCodeAt(i))) i--;
  return end - i > 1 && TITLE_ENDS.has(text.slice(i + 1, end).toLowerCase());
}

function isAsciiLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/**
 * The transcript cut into fixed and varying parts, for the portal to highlight what varies from call
 * to call. Concatenating `text` gives back the input. Single digits ("press 1") are part of the script.
 */
export function templateSegments(transcript: string): Array<{ text: string; kind: SegmentKind }> {
  const out: Array<{ text: string; kind: SegmentKind }> = [];
  let at = 0;
  for (const span of findSpans(transcript, { spokenDigits: true })) {
    const text = transcript.slice(span.start, span.end);
    if (span.kind === 'number' && /^\d$/.test(text)) continue;
    if (span.start > at) out.push({ text: transcript.slice(at, span.start), kind: 'fixed' });
    out.push({ text, kind: span.kind });
    at = span.end;
  }
  if (at < transcript.length) out.push({ text: transcript.slice(at), kind: 'fixed' });
  // Merge neighbouring fixed parts left by skipped single digits.
  const merged: typeof out = [];
  for (const seg of out) {
    const last = merged[merged.length - 1];
    if (last && last.kind === 'fixed' && seg.kind === 'fixed') last.text += seg.text;
    else merged.push({ ...seg });
  }
  return merged;
}

/**
 * Phone numbers spoken in a transcript, NANP, normalised to E.164, unique, in order of appearance.
 * Amounts, dates, case and order numbers and zip codes are not phone numbers.
 */
export function extractCallbackNumbers(transcript: string): string[] {
  // A number needs ten digits, as figures or as words: most transcripts have neither.
  let digits = 0;
  for (let i = 0; i < transcript.length && digits < 10; i++) {
    const c = transcript.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
  }
  const words = SPOKEN_DIGITS.test(transcript);
  if (digits < 10 && !words) return [];
  // Phones are the first patterns and claim before anything else: the others cannot change them.
  const claimed = claimedFor(transcript.length);
  const found: Span[] = [];
  const whole: Array<[number, number]> = [[0, transcript.length]];
  const windows = {
    digit: digits >= 10 ? digitWindows(transcript) : [],
    weekday: [],
    digitWords: words ? whole : [],
    amountWords: [],
  };
  for (const pattern of PATTERNS)
    if (pattern.kind === 'phone') scan(transcript, pattern, windows, claimed, found);
  found.sort((a, b) => a.start - b.start);
  const seen = new Set<string>();
  for (const span of found) if (span.e164) seen.add(span.e164);
  return [...seen];
}
