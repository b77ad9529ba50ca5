import type { RmdField, RmdFiling } from './types';

export interface FieldChange {
  /** Dotted path in RmdFiling, e.g. `implementation`, `providerTypes.gateway`, `contact.phone`. */
  field: string;
  before: unknown;
  after: unknown;
}

export interface ChangedFiling {
  /** The value the two sides were matched on (filing number, or FRN for exports without one). */
  key: string;
  filingNumber: string | null;
  fields: FieldChange[];
  before: RmdFiling;
  after: RmdFiling;
}

export interface RmdDiff {
  keyedBy: 'filingNumber' | 'frn';
  added: RmdFiling[];
  changed: ChangedFiling[];
  /** Previous filings absent from the new export: removed from the RMD (or never in this shape). */
  removed: RmdFiling[];
  unchanged: number;
  /**
   * Previous filings that could not be compared: no value for the key (a filing without FRN when
   * the new export is keyed by FRN) or a key shared with an earlier filing. Neither added nor
   * removed: a missing FRN is not evidence that a provider left the RMD.
   */
  notCompared: Array<{ filing: RmdFiling; reason: 'no_key' | 'duplicate_key' }>;
}

export interface DiffRmdOptions {
  /** Defaults to the filing number when every new filing has one, else the FRN. */
  keyedBy?: 'filingNumber' | 'frn';
  /**
   * Fields the new export carries (`RmdParseResult.shape.columns`). A field the export does not
   * have is not compared: the 7-column listing has no provider types, and that is not a change.
   */
  fields?: readonly RmdField[];
}

type Getter = (filing: RmdFiling) => unknown;

// Line breaks in an address are layout: the research copy flattened them, the FCC export keeps them.
const flat = (value: string | null) => (value === null ? null : value.replace(/\s+/g, ' '));

// The fields compared, in the order changes are listed. `line` is not compared; the contact phone
// is compared in E.164 where it has one, so "405-202-3062" and "4052023062" are the same.
const COMPARED: ReadonlyArray<readonly [RmdField, string, Getter]> = [
  ['filingNumber', 'filingNumber', (f) => f.filingNumber],
  ['frn', 'frn', (f) => f.frn],
  ['businessName', 'businessName', (f) => f.businessName],
  ['dbaNames', 'dbaNames', (f) => f.dbaNames],
  ['previousDbaNames', 'previousDbaNames', (f) => f.previousDbaNames],
  ['otherFrns', 'otherFrns', (f) => f.otherFrns],
  ['address', 'address', (f) => flat(f.address)],
  ['country', 'country', (f) => f.country],
  ['foreignProvider', 'foreignProvider', (f) => f.foreignProvider],
  ['implementation', 'implementation', (f) => f.implementation],
  ['voice', 'providerTypes.voice', (f) => f.providerTypes.voice],
  ['gateway', 'providerTypes.gateway', (f) => f.providerTypes.gateway],
  ['intermediate', 'providerTypes.intermediate', (f) => f.providerTypes.intermediate],
  ['contactName', 'contact.name', (f) => f.contact.name],
  ['contactTitle', 'contact.title', (f) => f.contact.title],
  ['contactDepartment', 'contact.department', (f) => f.contact.department],
  ['contactAddress', 'contact.address', (f) => flat(f.contact.address)],
  ['contactCountry', 'contact.country', (f) => f.contact.country],
  ['contactPhone', 'contact.phone', (f) => f.contact.phoneE164 ?? f.contact.phone],
  ['contactExtension', 'contact.extension', (f) => f.contact.extension],
  ['contactEmail', 'contact.email', (f) => f.contact.email],
  ['lastUpdated', 'lastUpdated', (f) => f.lastUpdated],
  ['filingUrl', 'filingUrl', (f) => f.filingUrl],
];

function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    // Lists carry no order in the RMD: the same names in another order are not a change.
    if (a.length !== b.length) return false;
    const sortedA = [...(a as string[])].sort();
    const sortedB = [...(b as string[])].sort();
    return sortedA.every((x, i) => x === sortedB[i]);
  }
  return a === b;
}

/** The fields that differ between two versions of a filing, optionally only among `fields`. */
export function changedFields(
  before: RmdFiling,
  after: RmdFiling,
  fields?: ReadonlySet<RmdField>,
): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const [field, path, get] of COMPARED) {
    if (fields && !fields.has(field)) continue;
    const a = get(before);
    const b = get(after);
    if (!same(a, b)) changes.push({ field: path, before: a, after: b });
  }
  return changes;
}

function isStoredMap(
  previous: ReadonlyMap<string, RmdFiling> | Iterable<RmdFiling>,
): previous is ReadonlyMap<string, RmdFiling> {
  return previous instanceof Map;
}

function byKey<T>(key: (item: T) => string): (a: T, b: T) => number {
  return (a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };
}

/**
 * What changed between the filings already stored and a newly parsed export. Pure and
 * deterministic: every list is sorted by key. The previous filings may be given as the stored
 * map (its keys are ignored; both sides are keyed by `keyedBy`) or as a list.
 */
export function diffRmd(
  previous: ReadonlyMap<string, RmdFiling> | Iterable<RmdFiling>,
  next: readonly RmdFiling[],
  options: DiffRmdOptions = {},
): RmdDiff {
  const keyedBy = options.keyedBy ?? (next.every((f) => f.filingNumber !== null) ? 'filingNumber' : 'frn');
  const keyOf = (f: RmdFiling) => (keyedBy === 'frn' ? f.frn : f.filingNumber);
  const fields = options.fields ? new Set<RmdField>(options.fields) : undefined;

  const notCompared: RmdDiff['notCompared'] = [];
  const before = new Map<string, RmdFiling>();
  const previousFilings = isStoredMap(previous) ? previous.values() : previous;
  for (const filing of previousFilings) {
    const key = keyOf(filing);
    if (key === null) notCompared.push({ filing, reason: 'no_key' });
    else if (before.has(key)) notCompared.push({ filing, reason: 'duplicate_key' });
    else before.set(key, filing);
  }

  const added: RmdFiling[] = [];
  const changed: ChangedFiling[] = [];
  const seen = new Set<string>();
  let unchanged = 0;
  for (const filing of next) {
    const key = keyOf(filing);
    // The parser never returns a filing without its key, nor a key twice; a hand-built list might.
    if (key === null || seen.has(key)) continue;
    seen.add(key);
    const old = before.get(key);
    if (!old) {
      added.push(filing);
      continue;
    }
    const changes = changedFields(old, filing, fields);
    if (changes.length === 0) unchanged++;
    else
      changed.push({ key, filingNumber: filing.filingNumber, fields: changes, before: old, after: filing });
  }
  const removed = [...before].filter(([key]) => !seen.has(key)).map(([, filing]) => filing);

  const keyString = (f: RmdFiling) => keyOf(f) ?? '';
  return {
    keyedBy,
    added: added.sort(byKey(keyString)),
    changed: changed.sort(byKey((c) => c.key)),
    removed: removed.sort(byKey(keyString)),
    unchanged,
    notCompared: notCompared.sort(byKey((n) => `${n.filing.businessName}\u0000${n.filing.line}`)),
  };
}
