/**
 * Words that say what kind of company a name belongs to, not which one: dropped from the end of a
 * name so "Acme Telecom, L.L.C." and "ACME TELECOM INC" compare equal.
 */
const CORPORATE_SUFFIXES = new Set([
  'llc',
  'lc',
  'inc',
  'incorporated',
  'corp',
  'corporation',
  'co',
  'company',
  'ltd',
  'limited',
  'lp',
  'llp',
  'lllp',
  'pllc',
  'plc',
  'gmbh',
  'sa',
  'srl',
  'bv',
  'pty',
]);

// "X d/b/a Y", "X dba Y", "X a/k/a Y", "X f/k/a Y": one filing, two names.
const ALSO_KNOWN_AS =
  /\s+\(?(?:d\s*\/?\s*b\s*\/?\s*a|a\s*\/?\s*k\s*\/?\s*a|f\s*\/?\s*k\s*\/?\s*a)\b\.?:?\s*/i;

/** The names a single name field holds: "Acme LLC dba FastCall" is both "Acme LLC" and "FastCall". */
export function nameVariants(name: string): string[] {
  return name
    .split(ALSO_KNOWN_AS)
    .map((part) => part.replace(/\)\s*$/, '').trim())
    .filter((part) => part !== '');
}

/**
 * A name reduced to what identifies the company: lower case, accents and punctuation gone,
 * "&" read as "and", a leading "the" and trailing corporate suffixes dropped. Null when nothing
 * is left (a name that is only punctuation).
 */
export function normaliseName(name: string): string | null {
  const words = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    // Dots, apostrophes and hyphens join what they separate: "L.L.C." is "llc", "O'Brien" is
    // "obrien", "Co-operative" is "cooperative".
    .replace(/[.'\u2019`-]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter((word) => word !== '');
  if (words.length === 0) return null;
  let end = words.length;
  while (end > 1 && CORPORATE_SUFFIXES.has(words[end - 1] ?? '')) end--;
  const start = words[0] === 'the' && end > 1 ? 1 : 0;
  return words.slice(start, end).join(' ');
}

/**
 * Words half the RMD's names contain. Two names that share only these ("Caztel Communications"
 * and "Communications, Inc.", "Bluewave Telecom" and "Redwave Telecom") are not alike.
 */
const GENERIC_WORDS = new Set([
  'and',
  'of',
  'the',
  'communications',
  'communication',
  'comm',
  'comms',
  'telecom',
  'telecomm',
  'telecommunications',
  'telephone',
  'tel',
  'telco',
  'network',
  'networks',
  'voice',
  'service',
  'services',
  'solutions',
  'technologies',
  'technology',
  'tech',
  'wireless',
  'broadband',
  'cooperative',
  'coop',
  'association',
  'international',
  'global',
  'national',
  'group',
  'holdings',
  'systems',
  'enterprises',
  'mobile',
  'cellular',
  'fiber',
  'fibre',
  'digital',
  'data',
  'connect',
  'internet',
  'cable',
  'carrier',
  'usa',
  'us',
  'america',
]);

/** A normalised name without the industry's generic words; "" when nothing else is left. */
export function distinctiveName(normalised: string): string {
  return normalised
    .split(' ')
    .filter((word) => !GENERIC_WORDS.has(word))
    .join(' ');
}

/** Trigrams as PostgreSQL's pg_trgm makes them: each word padded with two spaces before, one after. */
export function trigrams(normalised: string): Set<string> {
  const grams = new Set<string>();
  for (const word of normalised.split(' ')) {
    if (word === '') continue;
    const padded = `  ${word} `;
    for (let i = 0; i + 3 <= padded.length; i++) grams.add(padded.slice(i, i + 3));
  }
  return grams;
}

/** pg_trgm's similarity: shared trigrams over all trigrams of both (Jaccard), 0 to 1. */
export function trigramSimilarity(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let shared = 0;
  for (const gram of small) if (large.has(gram)) shared++;
  return shared / (a.size + b.size - shared);
}

const ADDRESS_WORDS: Record<string, string> = {
  street: 'st',
  avenue: 'ave',
  road: 'rd',
  boulevard: 'blvd',
  drive: 'dr',
  suite: 'ste',
  lane: 'ln',
  court: 'ct',
  place: 'pl',
  parkway: 'pkwy',
  highway: 'hwy',
  north: 'n',
  south: 's',
  east: 'e',
  west: 'w',
};

/** An address for equality only: case, punctuation, line breaks and common abbreviations ignored. */
export function normaliseAddress(address: string): string {
  return address
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .map((word) => ADDRESS_WORDS[word] ?? word)
    .join(' ');
}
