import { randomUUID } from 'node:crypto';
import { isNeighbourSpoof } from './callerId';
import { featuresOf, hashString } from './features';

export interface DetectCall {
  id: string;
  transcript?: string | null;
  language?: string | null;
  /** E.164 (+1NPANXXXXXX). */
  callingNumber?: string | null;
  /** E.164. */
  calledNumber?: string | null;
  /** Opaque string from the feed: equal strings = same audio. */
  audioFingerprint?: string | null;
}

export interface DetectorOptions {
  /** A call joins the most similar cluster when its similarity reaches this. */
  threshold: number;
  /** Two clusters are proposed as one when the smaller one's similarity to the larger reaches this. */
  mergeThreshold: number;
  /**
   * Weight of the cluster's usual content that a call lacks (Tversky's β; the call's own content
   * the cluster lacks weighs 1). 0 is pure containment (a cut-off start loses nothing), 1 is Jaccard.
   */
  missWeight: number;
  /** Calls before a candidate counts as a campaign (for callers; detection itself does not use it). */
  minCalls: number;
  /** Features a cluster profile keeps (the most frequent); bounds the profile's size. */
  maxFeatures: number;
  /** How many of a call's rarest known features are used to find candidate clusters. */
  candidateFeatures: number;
}

export const DEFAULT_DETECTOR_OPTIONS: DetectorOptions = Object.freeze({
  threshold: 0.4,
  mergeThreshold: 0.4,
  missWeight: 0.25,
  minCalls: 5,
  maxFeatures: 400,
  candidateFeatures: 12,
});

/** Persistable state of one cluster: JSON-serialisable, bounded, versioned. Opaque to callers. */
export type ClusterProfile = { v: number } & Record<string, unknown>;
export interface ClusterInit {
  id: string;
  profile: ClusterProfile;
  size: number;
}
export interface Assignment {
  callId: string;
  /** Null only when the call carries no usable signal (no transcript words, no fingerprint). */
  clusterId: string | null;
  /** 0..1 to the cluster it joined (1 for exact, fingerprint, and the first call of a new cluster). */
  similarity: number;
  reason: 'exact' | 'fingerprint' | 'similar' | 'new' | 'no_signal';
}
export interface ClusterChange {
  id: string;
  profile: ClusterProfile;
  size: number;
  created: boolean;
}

const PROFILE_VERSION = 1;
const MAX_EXACT = 64;
/** Clusters scored in full for a call (the best by a first, cheaper score). */
const CANDIDATES_SCORED = 4;
/** A feature listed under more clusters than this does not tell clusters apart: not used to find them. */
const MAX_POSTINGS = 64;
const MAX_FINGERPRINTS = 32;
const MAX_EXAMPLE = 600;
const SKETCH_BITS = 17;
const SKETCH_MASK = (1 << SKETCH_BITS) - 1;

interface ProfileJson {
  v: number;
  /** Feature hashes and, at the same index, how many of the cluster's calls have each. */
  f: number[];
  c: number[];
  /** Feature counts are over this many calls (the cluster's size may count calls without words). */
  n: number;
  /** Recent exact-transcript hashes and fingerprint hashes, so they survive a reload. */
  x: number[];
  a: string[];
  /** One transcript of the cluster, cut short, for people reading the database. */
  e: string;
  /** Calls whose caller ID shared the called number's NPA-NXX. */
  nb: number;
  /** The cached Σ idf × count and the call count it was summed at, so a reload scores alike. */
  w: number;
  wa: number;
}

class Cluster {
  counts = new Map<number, number>();
  /** Calls with words (the denominator of a feature's share). */
  n = 0;
  size = 0;
  exact: number[] = [];
  fingerprints: string[] = [];
  example = '';
  neighbour = 0;
  /** Σ idf × count over the profile, and the global call count when it was last summed. */
  weighted = 0;
  weightedAt = -1;
  /** Scratch for candidates(): the call it was last scored for, and its score then. */
  stamp = 0;
  score = 0;
  mergedInto: Cluster | null = null;
  removed = false;
  constructor(readonly id: string) {}

  /** This cluster, or the one it was merged into; null once removed. */
  alive(): Cluster | null {
    let c = this.mergedInto;
    if (!c) return this.removed ? null : this;
    while (c.mergedInto) c = c.mergedInto;
    return c.removed ? null : c;
  }
}

function pushBounded<T>(list: T[], value: T, max: number): void {
  if (list.includes(value)) return;
  list.push(value);
  if (list.length > max) list.splice(0, list.length - max);
}

/**
 * Incremental campaign detection: each call joins the most similar cluster above the threshold or
 * starts a new one. Similarity is a Tversky index between the call's features (masked word unigrams
 * and bigrams, weighted by inverse document frequency over the calls seen) and the cluster's profile,
 * where a feature belongs to the cluster by the share of its calls that have it.
 */
export class Detector {
  readonly options: DetectorOptions;
  private readonly newId: () => string;
  private readonly clusters = new Map<string, Cluster>();
  private readonly index = new Map<number, Set<Cluster>>();
  private readonly byExact = new Map<number, Cluster>();
  private readonly byFingerprint = new Map<string, Cluster>();
  private readonly changed = new Map<Cluster, boolean>();
  private df = new Uint32Array(1 << SKETCH_BITS);
  private stamp = 0;
  private docs = 0;

  constructor(options?: Partial<DetectorOptions>, hooks?: { newId?: () => string }) {
    this.options = { ...DEFAULT_DETECTOR_OPTIONS, ...options };
    this.newId = hooks?.newId ?? randomUUID;
  }

  has(id: string): boolean {
    return this.clusters.has(id);
  }

  get size(): number {
    return this.clusters.size;
  }

  load(clusters: ClusterInit[]): void {
    for (const init of clusters) {
      if (this.clusters.has(init.id)) this.remove(init.id);
      const cluster = new Cluster(init.id);
      readProfile(cluster, init.profile);
      cluster.size = init.size;
      this.clusters.set(init.id, cluster);
      this.reindex(cluster);
      for (const x of cluster.exact) this.byExact.set(x, cluster);
      for (const a of cluster.fingerprints) this.byFingerprint.set(a, cluster);
    }
  }

  assign(calls: DetectCall[]): Assignment[] {
    return calls.map((call) => this.assignOne(call));
  }

  takeChanges(): ClusterChange[] {
    const out: ClusterChange[] = [];
    for (const [cluster, created] of this.changed) {
      if (cluster.removed || cluster.mergedInto) continue;
      out.push({ id: cluster.id, profile: writeProfile(cluster), size: cluster.size, created });
    }
    this.changed.clear();
    return out;
  }

  merge(keepId: string, absorbId: string): void {
    if (keepId === absorbId) return;
    const keep = this.clusters.get(keepId);
    const absorb = this.clusters.get(absorbId);
    if (!keep || !absorb) throw new Error(`merge: unknown cluster ${keep ? absorbId : keepId}`);
    for (const f of absorb.counts.keys()) this.indexRemove(f, absorb);
    for (const [f, c] of absorb.counts) keep.counts.set(f, (keep.counts.get(f) ?? 0) + c);
    keep.n += absorb.n;
    keep.size += absorb.size;
    keep.neighbour += absorb.neighbour;
    for (const x of absorb.exact) pushBounded(keep.exact, x, MAX_EXACT);
    for (const a of absorb.fingerprints) pushBounded(keep.fingerprints, a, MAX_FINGERPRINTS);
    if (keep.example === '') keep.example = absorb.example;
    keep.weightedAt = -1;
    this.trim(keep);
    this.reindex(keep);
    absorb.mergedInto = keep;
    this.clusters.delete(absorbId);
    this.changed.delete(absorb);
    if (!this.changed.has(keep)) this.changed.set(keep, false);
  }

  remove(id: string): void {
    const cluster = this.clusters.get(id);
    if (!cluster) return;
    for (const f of cluster.counts.keys()) this.indexRemove(f, cluster);
    cluster.removed = true;
    this.clusters.delete(id);
    this.changed.delete(cluster);
  }

  /**
   * Pairs of clusters similar enough to be one, the smaller to be absorbed into the larger (a script
   * variant or a cut-off start that began as its own candidate). Each cluster is proposed for
   * absorption at most once, into its most similar larger cluster.
   */
  proposeMerges(opts?: {
    keptApart?: ReadonlySet<string>;
    minSimilarity?: number;
  }): Array<{ keepId: string; absorbId: string; similarity: number }> {
    const min = opts?.minSimilarity ?? this.options.mergeThreshold;
    const keptApart = opts?.keptApart;
    const out: Array<{ keepId: string; absorbId: string; similarity: number }> = [];
    for (const small of this.clusters.values()) {
      if (small.n === 0) continue;
      const probe = this.profileProbe(small);
      let best: Cluster | null = null;
      let bestSim = min;
      for (const big of this.candidates(probe.features, probe.weights, CANDIDATES_SCORED * 4)) {
        if (big === small || !isLarger(big, small)) continue;
        if (keptApart && keptApart.has(pairKey(small.id, big.id))) continue;
        const sim = this.similarity(probe.features, probe.weights, probe.shares, big);
        if (sim >= bestSim) {
          bestSim = sim;
          best = big;
        }
      }
      if (best) out.push({ keepId: best.id, absorbId: small.id, similarity: bestSim });
    }
    return out.sort((a, b) => b.similarity - a.similarity || cmp(a.absorbId, b.absorbId));
  }

  exportState(): { v: number; docs: number; df: string } {
    return {
      v: PROFILE_VERSION,
      docs: this.docs,
      df: Buffer.from(this.df.buffer, this.df.byteOffset, this.df.byteLength).toString('base64'),
    };
  }

  importState(state: unknown): void {
    if (!isRecord(state) || state.v !== PROFILE_VERSION)
      throw new Error('importState: unknown state version');
    const bytes = Buffer.from(String(state.df), 'base64');
    if (bytes.length !== this.df.byteLength)
      throw new Error('importState: document frequencies of the wrong size');
    this.df = new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    this.docs = Number(state.docs) || 0;
  }

  /** The cluster a call would join now, without changing anything (for reads and tests). */
  peek(call: DetectCall): { clusterId: string | null; similarity: number } {
    const { features } = featuresOf(call.transcript);
    if (features.length === 0) return { clusterId: null, similarity: 0 };
    const weights = features.map((f) => this.idf(f));
    const best = this.nearest(features, weights);
    return { clusterId: best.cluster?.id ?? null, similarity: best.similarity };
  }

  private assignOne(call: DetectCall): Assignment {
    const { features, exact } = featuresOf(call.transcript);
    const fingerprint = call.audioFingerprint ? fingerprintKey(call.audioFingerprint) : null;
    if (features.length === 0 && fingerprint === null)
      return { callId: call.id, clusterId: null, similarity: 0, reason: 'no_signal' };

    let cluster: Cluster | null = null;
    let similarity = 1;
    let reason: Assignment['reason'] = 'new';
    if (features.length > 0) cluster = this.byExact.get(exact)?.alive() ?? null;
    if (cluster) reason = 'exact';
    else if (fingerprint !== null) {
      cluster = this.byFingerprint.get(fingerprint)?.alive() ?? null;
      if (cluster) reason = 'fingerprint';
    }
    let weights: number[] | null = null;
    if (!cluster && features.length > 0) {
      weights = features.map((f) => this.idf(f));
      const best = this.nearest(features, weights);
      if (best.cluster && best.similarity >= this.options.threshold) {
        cluster = best.cluster;
        similarity = best.similarity;
        reason = 'similar';
      }
    }
    let created = false;
    if (!cluster) {
      cluster = new Cluster(this.newId());
      this.clusters.set(cluster.id, cluster);
      created = true;
    }

    cluster.size++;
    if (features.length > 0) {
      this.addFeatures(cluster, features, weights);
      pushBounded(cluster.exact, exact, MAX_EXACT);
      this.byExact.set(exact, cluster);
      if (cluster.example === '' && call.transcript) cluster.example = call.transcript.slice(0, MAX_EXAMPLE);
    }
    if (fingerprint !== null) {
      pushBounded(cluster.fingerprints, fingerprint, MAX_FINGERPRINTS);
      this.byFingerprint.set(fingerprint, cluster);
    }
    if (isNeighbourSpoof(call.callingNumber, call.calledNumber)) cluster.neighbour++;
    if (created || !this.changed.has(cluster))
      this.changed.set(cluster, created || this.changed.get(cluster) === true);
    return { callId: call.id, clusterId: cluster.id, similarity, reason };
  }

  private idf(f: number): number {
    const df = this.df[f & SKETCH_MASK] ?? 0;
    return Math.log(1 + (this.docs + 1) / (df + 1));
  }

  /**
   * Adds a call's features to a cluster. The index lists a cluster under a feature once two of its
   * calls have it (under every feature while it has one call): noise words of single calls would
   * otherwise fill the index and be dropped again at the next trim.
   */
  private addFeatures(cluster: Cluster, features: number[], weights: number[] | null): void {
    let added = 0;
    const first = cluster.n === 0;
    for (let i = 0; i < features.length; i++) {
      const f = features[i] as number;
      added += weights ? (weights[i] as number) : this.idf(f);
      const idx = f & SKETCH_MASK;
      this.df[idx] = (this.df[idx] ?? 0) + 1;
      const had = cluster.counts.get(f) ?? 0;
      cluster.counts.set(f, had + 1);
      if (first || had === 1) this.indexAdd(f, cluster);
    }
    this.docs++;
    cluster.n++;
    if (cluster.n === 2)
      for (const [f, count] of cluster.counts) if (count === 1) this.indexRemove(f, cluster);
    // Kept up to date with the weights of now; summed again in full now and then (clusterMass).
    cluster.weighted += added;
    if (cluster.counts.size > this.options.maxFeatures) this.trim(cluster);
  }

  private indexed(cluster: Cluster, count: number): boolean {
    return cluster.n <= 1 || count >= 2;
  }

  private reindex(cluster: Cluster): void {
    for (const [f, count] of cluster.counts) {
      if (this.indexed(cluster, count)) this.indexAdd(f, cluster);
      else this.indexRemove(f, cluster);
    }
  }

  /**
   * Keeps the profile's most frequent features: drops the rarest counts until at most three quarters
   * of the bound are left (all features of a count go together, so the result does not depend on
   * order), so that trims are rare.
   */
  private trim(cluster: Cluster): void {
    const max = this.options.maxFeatures;
    if (cluster.counts.size <= max) return;
    const keep = Math.floor(max * 0.75);
    const histogram = new Map<number, number>();
    for (const count of cluster.counts.values()) histogram.set(count, (histogram.get(count) ?? 0) + 1);
    const levels = [...histogram.keys()].sort((a, b) => a - b);
    let left = cluster.counts.size;
    let cutoff = 0;
    for (const level of levels) {
      if (left <= keep) break;
      left -= histogram.get(level) as number;
      cutoff = level;
    }
    let removed = 0;
    for (const [f, count] of cluster.counts) {
      if (count > cutoff) continue;
      cluster.counts.delete(f);
      this.indexRemove(f, cluster);
      removed += this.idf(f) * count;
    }
    cluster.weighted = Math.max(0, cluster.weighted - removed);
  }

  private indexAdd(f: number, cluster: Cluster): void {
    let set = this.index.get(f);
    if (!set) this.index.set(f, (set = new Set()));
    set.add(cluster);
  }

  private indexRemove(f: number, cluster: Cluster): void {
    const set = this.index.get(f);
    if (!set) return;
    set.delete(cluster);
    if (set.size === 0) this.index.delete(f);
  }

  /**
   * The clusters most worth scoring: those sharing the most weight of the call's rarest features that
   * some cluster has (the rarest features of a script find its cluster; common ones find everyone).
   */
  private candidates(features: number[], weights: number[], limit: number): Cluster[] {
    const stamp = ++this.stamp;
    const found: Cluster[] = [];
    const usable = (i: number): boolean => {
      const set = this.index.get(features[i] as number);
      return set !== undefined && set.size <= MAX_POSTINGS;
    };
    for (const i of rarest(weights, this.options.candidateFeatures, usable)) {
      const w = weights[i] as number;
      for (const c of this.index.get(features[i] as number) as Set<Cluster>) {
        if (c.stamp !== stamp) {
          c.stamp = stamp;
          c.score = 0;
          found.push(c);
        }
        c.score += w;
      }
    }
    if (found.length <= limit) return found;
    return found.sort((a, b) => b.score - a.score || (isLarger(a, b) ? -1 : 1)).slice(0, limit);
  }

  private nearest(features: number[], weights: number[]): { cluster: Cluster | null; similarity: number } {
    let best: Cluster | null = null;
    let bestSim = -1;
    for (const c of this.candidates(features, weights, CANDIDATES_SCORED)) {
      const sim = this.similarity(features, weights, null, c);
      if (sim > bestSim || (sim === bestSim && best !== null && isLarger(c, best))) {
        bestSim = sim;
        best = c;
      }
    }
    return { cluster: best, similarity: Math.max(0, bestSim) };
  }

  /**
   * Tversky index of a (fuzzy) feature set A against cluster B: shared / (|A| + β·|B − A|), every
   * feature weighted by its idf, a cluster's feature by the share of its calls that have it.
   */
  private similarity(features: number[], weights: number[], shares: number[] | null, c: Cluster): number {
    let shared = 0;
    let mass = 0;
    const n = c.n || 1;
    for (let i = 0; i < features.length; i++) {
      const w = weights[i] as number;
      const a = shares ? (shares[i] as number) : 1;
      mass += w * a;
      const count = c.counts.get(features[i] as number);
      if (count !== undefined) shared += w * Math.min(a, count / n);
    }
    if (mass === 0) return 0;
    const missing = Math.max(0, this.clusterMass(c) - shared);
    return shared / (mass + this.options.missWeight * missing);
  }

  /** Σ idf × share over a cluster's profile; summed again when the call count has grown by a quarter. */
  private clusterMass(c: Cluster): number {
    if (c.weightedAt < 0 || this.docs > c.weightedAt * 1.25 + 20) {
      let sum = 0;
      for (const [f, count] of c.counts) sum += this.idf(f) * count;
      c.weighted = sum;
      c.weightedAt = this.docs;
    }
    return c.weighted / (c.n || 1);
  }

  private profileProbe(c: Cluster): { features: number[]; weights: number[]; shares: number[] } {
    const features: number[] = [];
    const weights: number[] = [];
    const shares: number[] = [];
    const n = c.n || 1;
    for (const [f, count] of c.counts) {
      features.push(f);
      weights.push(this.idf(f));
      shares.push(count / n);
    }
    return { features, weights, shares };
  }
}

/** Indices of the `count` largest weights among those that `usable` accepts, largest first. */
function rarest(weights: number[], count: number, usable: (i: number) => boolean): number[] {
  const top: number[] = [];
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i] as number;
    if (top.length === count && w <= (weights[top[count - 1] as number] as number)) continue;
    if (!usable(i)) continue;
    let at = top.length === count ? count - 1 : top.length;
    while (at > 0 && (weights[top[at - 1] as number] as number) < w) {
      top[at] = top[at - 1] as number;
      at--;
    }
    top[at] = i;
  }
  return top;
}

function isLarger(a: Cluster, b: Cluster): boolean {
  return a.size > b.size || (a.size === b.size && a.id < b.id);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

function fingerprintKey(fingerprint: string): string {
  // Fingerprints can be long; the profile keeps a 64-bit digest of each.
  return (
    hashString(fingerprint).toString(36) +
    '.' +
    hashString(fingerprint, 0x2545f491).toString(36) +
    '.' +
    fingerprint.length
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function writeProfile(c: Cluster): ClusterProfile {
  // In the map's order, so that a reloaded cluster sums its features in the same order.
  const profile: ProfileJson = {
    v: PROFILE_VERSION,
    f: [...c.counts.keys()],
    c: [...c.counts.values()],
    n: c.n,
    x: [...c.exact],
    a: [...c.fingerprints],
    e: c.example,
    nb: c.neighbour,
    w: c.weighted,
    wa: c.weightedAt,
  };
  return profile as unknown as ClusterProfile;
}

function readProfile(c: Cluster, profile: ClusterProfile): void {
  if (!isRecord(profile) || profile.v !== PROFILE_VERSION)
    throw new Error(`cluster ${c.id}: unknown profile version ${String((profile as { v?: unknown }).v)}`);
  const p = profile as unknown as ProfileJson;
  const f = Array.isArray(p.f) ? p.f : [];
  const counts = Array.isArray(p.c) ? p.c : [];
  for (let i = 0; i < f.length; i++) c.counts.set((Number(f[i]) >>> 0) & 0x3fffffff, Number(counts[i]) || 1);
  c.n = Number(p.n) || 0;
  c.exact = Array.isArray(p.x) ? p.x.map((x) => Number(x) >>> 0) : [];
  c.fingerprints = Array.isArray(p.a) ? p.a.map(String) : [];
  c.example = typeof p.e === 'string' ? p.e : '';
  c.neighbour = Number(p.nb) || 0;
  c.weighted = Number(p.w) || 0;
  c.weightedAt = typeof p.wa === 'number' ? p.wa : -1;
}

/** A profile built from scratch from some calls (used when an analyst splits a campaign). */
export function profileOf(calls: DetectCall[], options?: Partial<DetectorOptions>): ClusterProfile {
  const maxFeatures = options?.maxFeatures ?? DEFAULT_DETECTOR_OPTIONS.maxFeatures;
  const c = new Cluster('profile');
  for (const call of calls) {
    const { features, exact } = featuresOf(call.transcript);
    c.size++;
    if (features.length > 0) {
      for (const f of features) c.counts.set(f, (c.counts.get(f) ?? 0) + 1);
      c.n++;
      pushBounded(c.exact, exact, MAX_EXACT);
      if (c.example === '' && call.transcript) c.example = call.transcript.slice(0, MAX_EXAMPLE);
    }
    if (call.audioFingerprint)
      pushBounded(c.fingerprints, fingerprintKey(call.audioFingerprint), MAX_FINGERPRINTS);
    if (isNeighbourSpoof(call.callingNumber, call.calledNumber)) c.neighbour++;
  }
  if (c.counts.size > maxFeatures) {
    const entries = [...c.counts].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    c.counts = new Map(entries.slice(0, maxFeatures));
  }
  return writeProfile(c);
}

/**
 * Whole-set detection for tests and benches: a Detector over the calls in the given order, then the
 * merges it proposes, until it proposes none. Returns the cluster id per call (null = no signal).
 */
export function detectAll(calls: DetectCall[], options?: Partial<DetectorOptions>): Array<string | null> {
  let next = 0;
  const detector = new Detector(options, { newId: () => `c${next++}` });
  const ids = detector.assign(calls).map((a) => a.clusterId);
  const into = new Map<string, string>();
  const find = (id: string): string => {
    let at = id;
    for (let to = into.get(at); to !== undefined; to = into.get(at)) at = to;
    return at;
  };
  for (let round = 0; round < 10; round++) {
    let merged = 0;
    for (const p of detector.proposeMerges()) {
      const keep = find(p.keepId);
      const absorb = find(p.absorbId);
      if (keep === absorb || !detector.has(keep) || !detector.has(absorb)) continue;
      detector.merge(keep, absorb);
      into.set(absorb, keep);
      merged++;
    }
    if (merged === 0) break;
  }
  return ids.map((id) => (id === null ? null : find(id)));
}
