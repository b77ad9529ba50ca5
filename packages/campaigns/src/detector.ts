import { randomUUID } from 'node:crypto';
import { isNeighbourSpoof } from './callerId';
import { FeatureSet, hashString, MAX_CALLBACKS, scanFeatures } from './features';

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
  /** When the call was made (a Date, epoch milliseconds or an ISO string); used with `maxGapDays`. */
  startedAt?: Date | number | string | null;
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
  /**
   * Text similarity that is enough for a merge when the two clusters also share a spoken callback
   * number or an audio fingerprint (independent evidence of one campaign).
   */
  evidenceThreshold: number;
  /** Calls before a candidate counts as a campaign (for callers; detection itself does not use it). */
  minCalls: number;
  /** Features a cluster profile keeps (the most frequent); bounds the profile's size. */
  maxFeatures: number;
  /** How many of a call's rarest known features are used to find candidate clusters. */
  candidateFeatures: number;
  /**
   * A call joins a cluster by similarity, and two clusters merge, only when their dates come within
   * this many days of each other (a campaign runs for a bounded period; the same script years later
   * is another campaign). 0: dates are not used. Exact transcripts and fingerprints join whatever the
   * date; calls and clusters without a date are not held apart.
   */
  maxGapDays: number;
}

export const DEFAULT_DETECTOR_OPTIONS: DetectorOptions = Object.freeze({
  threshold: 0.4,
  mergeThreshold: 0.4,
  evidenceThreshold: 0.2,
  missWeight: 0.25,
  minCalls: 5,
  maxFeatures: 400,
  candidateFeatures: 12,
  maxGapDays: 90,
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
export interface MergeProposal {
  keepId: string;
  absorbId: string;
  /** Text similarity of the absorbed cluster's profile to the kept one's. */
  similarity: number;
  /** What besides text joins them: nothing, a spoken callback number, an audio fingerprint. */
  reason: 'text' | 'callback' | 'fingerprint';
}
export interface ClusterChange {
  id: string;
  profile: ClusterProfile;
  size: number;
  created: boolean;
}

/** 2: callback numbers (`t`, `tc`) added; version 1 profiles still load. */
const PROFILE_VERSION = 2;
/** Version of `exportState`'s document frequencies. */
const STATE_VERSION = 1;
const MAX_EXACT = 64;
/** Clusters scored in full for a call (the best by a first, cheaper score). */
const CANDIDATES_SCORED = 4;
/** A feature listed under more clusters than this does not tell clusters apart: not used to find them. */
const MAX_POSTINGS = 64;
const MAX_FINGERPRINTS = 32;
/** A call whose transcript has fewer tokens is placed by its words alone, not its fingerprint. */
const MIN_FINGERPRINT_TOKENS = 4;
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
  /** The callback numbers its calls speak most (features of the `tel` tokens) and how many say each (v2). */
  t?: number[];
  tc?: number[];
  /** The cached Σ idf × count and the call count it was summed at, so a reload scores alike. */
  w: number;
  wa: number;
  /** First and last day (days since 1970-01-01 UTC) of its dated calls; absent when it has none. */
  d0?: number;
  d1?: number;
}

class Cluster {
  /** Profile: feature hashes and, at the same index, how many of the cluster's calls have each. */
  feats: Int32Array = EMPTY;
  counts: Int32Array = EMPTY;
  len = 0;
  /** Calls with words (the denominator of a feature's share). */
  n = 0;
  size = 0;
  exact: number[] = [];
  fingerprints: string[] = [];
  /** Spoken callback numbers (their features) and how many of the cluster's calls say each. */
  callbacks: number[] = [];
  callbackCounts: number[] = [];
  example = '';
  neighbour = 0;
  /** First and last day of its dated calls (first > last: none dated). */
  first = Number.POSITIVE_INFINITY;
  last = Number.NEGATIVE_INFINITY;
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

  append(f: number, count: number): void {
    if (this.len === this.feats.length) {
      const cap = Math.max(16, this.len + (this.len >> 1));
      const feats = new Int32Array(cap);
      const counts = new Int32Array(cap);
      feats.set(this.feats.subarray(0, this.len));
      counts.set(this.counts.subarray(0, this.len));
      this.feats = feats;
      this.counts = counts;
    }
    this.feats[this.len] = f;
    this.counts[this.len++] = count;
  }

  /**
   * Counts a callback number `times` more. When all MAX_CALLBACKS places are taken, a new number
   * takes the place of the least said (the oldest of those), so a number said often stays.
   */
  addCallback(f: number, times: number): void {
    const at = this.callbacks.indexOf(f);
    if (at >= 0) {
      this.callbackCounts[at] = (this.callbackCounts[at] as number) + times;
      return;
    }
    if (this.callbacks.length < MAX_CALLBACKS) {
      this.callbacks.push(f);
      this.callbackCounts.push(times);
      return;
    }
    let min = 0;
    for (let k = 1; k < this.callbackCounts.length; k++)
      if ((this.callbackCounts[k] as number) < (this.callbackCounts[min] as number)) min = k;
    if ((this.callbackCounts[min] as number) > times) return;
    this.callbacks.splice(min, 1);
    this.callbackCounts.splice(min, 1);
    this.callbacks.push(f);
    this.callbackCounts.push(times);
  }

  /** Room for `more` features without growing (a new cluster: exactly its first call's). */
  reserve(more: number): void {
    if (this.len + more <= this.feats.length) return;
    const feats = new Int32Array(this.len + more);
    const counts = new Int32Array(this.len + more);
    feats.set(this.feats.subarray(0, this.len));
    counts.set(this.counts.subarray(0, this.len));
    this.feats = feats;
    this.counts = counts;
  }
}

const EMPTY = new Int32Array(0);

/**
 * Posting of one feature in the candidate index: the one cluster listed under it, the clusters, or
 * (past STORED_POSTINGS, when the feature no longer tells clusters apart) only how many there are.
 */
type Posting = Cluster | Cluster[] | number;
/** Postings kept as lists up to this length (so that a list shrinking back below MAX_POSTINGS is whole). */
const STORED_POSTINGS = 4 * 64;

function postingSize(p: Posting): number {
  return typeof p === 'number' ? p : Array.isArray(p) ? p.length : 1;
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
  private readonly index = new Map<number, Posting>();
  private readonly byExact = new Map<number, Cluster>();
  private readonly byFingerprint = new Map<string, Cluster>();
  private readonly changed = new Map<Cluster, boolean>();
  private df = new Uint32Array(1 << SKETCH_BITS);
  private stamp = 0;
  private docs = 0;
  /** The call being assigned (and a second set for cluster probes and merges). */
  private readonly query = new FeatureSet();
  private readonly probe = new FeatureSet();
  private hit = new Uint32Array(256);
  private hitStamp = 0;
  private found: Cluster[] = [];
  private readonly linked = { clusters: [] as Cluster[], reasons: [] as string[] };
  private top = new Int32Array(64);
  /** Candidates must have a day within [windowLo, windowHi] (set by assignOne and proposeMerges). */
  private windowLo = Number.NEGATIVE_INFINITY;
  private windowHi = Number.POSITIVE_INFINITY;

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
      readProfile(cluster, init.profile, this.probe);
      cluster.size = init.size;
      this.clusters.set(init.id, cluster);
      this.indexAll(cluster);
      for (const x of cluster.exact) this.byExact.set(x, cluster);
      for (const a of cluster.fingerprints)
        if (!this.byFingerprint.get(a)?.alive()) this.byFingerprint.set(a, cluster);
    }
  }

  assign(calls: DetectCall[]): Assignment[] {
    const out: Assignment[] = new Array<Assignment>(calls.length);
    for (let i = 0; i < calls.length; i++) out[i] = this.assignOne(calls[i] as DetectCall);
    return out;
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
    this.deindexAll(absorb);
    this.deindexAll(keep);
    const at = this.probe;
    at.clear(keep.len + absorb.len);
    for (let i = 0; i < keep.len; i++) at.add(keep.feats[i] as number);
    for (let i = 0; i < absorb.len; i++) {
      const f = absorb.feats[i] as number;
      const j = at.indexOf(f);
      if (j >= 0 && j < keep.len) keep.counts[j] = (keep.counts[j] as number) + (absorb.counts[i] as number);
      else keep.append(f, absorb.counts[i] as number);
    }
    keep.n += absorb.n;
    keep.size += absorb.size;
    keep.neighbour += absorb.neighbour;
    if (absorb.first < keep.first) keep.first = absorb.first;
    if (absorb.last > keep.last) keep.last = absorb.last;
    for (const x of absorb.exact) pushBounded(keep.exact, x, MAX_EXACT);
    for (const a of absorb.fingerprints) pushBounded(keep.fingerprints, a, MAX_FINGERPRINTS);
    for (let k = 0; k < absorb.callbacks.length; k++)
      keep.addCallback(absorb.callbacks[k] as number, absorb.callbackCounts[k] as number);
    if (keep.example === '') keep.example = absorb.example;
    keep.weightedAt = -1;
    this.trim(keep, false);
    this.indexAll(keep);
    absorb.mergedInto = keep;
    this.clusters.delete(absorbId);
    this.changed.delete(absorb);
    if (!this.changed.has(keep)) this.changed.set(keep, false);
  }

  remove(id: string): void {
    const cluster = this.clusters.get(id);
    if (!cluster) return;
    this.deindexAll(cluster);
    cluster.removed = true;
    this.clusters.delete(id);
    this.changed.delete(cluster);
  }

  /**
   * Pairs of clusters similar enough to be one, the smaller to be absorbed into the larger (a script
   * variant or a cut-off start that began as its own candidate). Each cluster is proposed for
   * absorption at most once, into its most similar larger cluster: by text at `mergeThreshold`, or
   * at `evidenceThreshold` when the two also share a spoken callback number or an audio fingerprint
   * (a campaign's wording variants rarely say the same words, but they give the same number to call).
   */
  proposeMerges(opts?: { keptApart?: ReadonlySet<string>; minSimilarity?: number }): MergeProposal[] {
    const min = opts?.minSimilarity ?? this.options.mergeThreshold;
    const linkedMin = Math.min(min, this.options.evidenceThreshold);
    const keptApart = opts?.keptApart;
    const out: MergeProposal[] = [];
    const order: Cluster[] = [];
    const probe = this.probe;
    const linked = this.linked;
    for (const small of this.clusters.values()) {
      if (small.n === 0) continue;
      this.fillProbe(small);
      let best: Cluster | null = null;
      let bestSim = -1;
      let bestReason: MergeProposal['reason'] = 'text';
      this.setWindow(small.first, small.last);
      const eligible = (big: Cluster) =>
        big !== small &&
        isLarger(big, small) &&
        this.inWindow(big) &&
        !(keptApart && keptApart.has(pairKey(small.id, big.id)));
      const found = this.candidates(probe, CANDIDATES_SCORED * 4);
      for (let k = 0; k < found.length; k++) {
        const big = found[k] as Cluster;
        if (!eligible(big)) continue;
        const sim = this.similarity(probe, big);
        if (sim >= min && sim > bestSim) {
          bestSim = sim;
          best = big;
        }
      }
      this.linkedTo(small, linked);
      for (let k = 0; k < linked.clusters.length; k++) {
        const big = linked.clusters[k] as Cluster;
        if (!eligible(big)) continue;
        const sim = this.similarity(probe, big);
        if (sim >= linkedMin && sim > bestSim) {
          bestSim = sim;
          best = big;
          bestReason = linked.reasons[k] as MergeProposal['reason'];
        } else if (big === best && sim === bestSim) bestReason = linked.reasons[k] as MergeProposal['reason'];
      }
      if (best) {
        out.push({ keepId: best.id, absorbId: small.id, similarity: bestSim, reason: bestReason });
        order.push(small);
      }
    }
    this.setWindow(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY);
    // Smallest absorbed first: a cluster takes in what is proposed into it before it is itself
    // absorbed (into a larger one), so applying the list once in order applies every proposal.
    const at = out
      .map((_, i) => i)
      .sort((i, j) => (isLarger(order[j] as Cluster, order[i] as Cluster) ? -1 : 1));
    return at.map((i) => out[i] as MergeProposal);
  }

  /**
   * Clusters that share evidence beyond text with `small`: the owner of an audio fingerprint its
   * calls had, the clusters at least two of whose calls (or whose only call) speak a callback number
   * its calls speak. Into `out`, each once, at most as many as text candidates are scored.
   */
  private linkedTo(small: Cluster, out: { clusters: Cluster[]; reasons: string[] }): void {
    out.clusters.length = 0;
    out.reasons.length = 0;
    const stamp = ++this.stamp;
    small.stamp = stamp;
    const add = (c: Cluster | null, reason: string) => {
      if (c === null || c.stamp === stamp || out.clusters.length >= CANDIDATES_SCORED * 4) return;
      c.stamp = stamp;
      out.clusters.push(c);
      out.reasons.push(reason);
    };
    for (const a of small.fingerprints) add(this.byFingerprint.get(a)?.alive() ?? null, 'fingerprint');
    for (const f of small.callbacks) {
      const p = this.index.get(f);
      if (p === undefined || typeof p === 'number') continue;
      if (Array.isArray(p)) {
        for (const c of p) if (c.callbacks.includes(f)) add(c, 'callback');
      } else if (p.callbacks.includes(f)) add(p, 'callback');
    }
  }

  exportState(): { v: number; docs: number; df: string } {
    return {
      v: STATE_VERSION,
      docs: this.docs,
      df: Buffer.from(this.df.buffer, this.df.byteOffset, this.df.byteLength).toString('base64'),
    };
  }

  importState(state: unknown): void {
    if (!isRecord(state) || state.v !== STATE_VERSION) throw new Error('importState: unknown state version');
    const bytes = Buffer.from(String(state.df), 'base64');
    if (bytes.length !== this.df.byteLength)
      throw new Error('importState: document frequencies of the wrong size');
    this.df = new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    this.docs = Number(state.docs) || 0;
  }

  /** The cluster a call would join now, without changing anything (for reads and tests). */
  peek(call: DetectCall): { clusterId: string | null; similarity: number } {
    const q = this.query;
    scanFeatures(call.transcript, q);
    if (q.len === 0) return { clusterId: null, similarity: 0 };
    this.weigh(q);
    const day = dayOf(call.startedAt);
    this.setWindow(day, day);
    const best = this.nearest(q);
    return { clusterId: best.cluster?.id ?? null, similarity: best.similarity };
  }

  private assignOne(call: DetectCall): Assignment {
    const q = this.query;
    scanFeatures(call.transcript, q);
    const hasWords = q.len > 0;
    // A transcript of a few words (what a speech model writes for silence: "Thank you.",
    // "[BLANK_AUDIO]") is the same for calls of any recording: its call is placed by those words
    // alone, so that identical transcripts stay together and no recording's fingerprint is tied to
    // them (which would pull every later call of that recording in).
    const fingerprint =
      call.audioFingerprint && (!hasWords || q.tokens >= MIN_FINGERPRINT_TOKENS)
        ? fingerprintKey(call.audioFingerprint)
        : null;
    if (!hasWords && fingerprint === null)
      return { callId: call.id, clusterId: null, similarity: 0, reason: 'no_signal' };

    let cluster: Cluster | null = null;
    let similarity = 1;
    let reason: Assignment['reason'] = 'new';
    if (hasWords) {
      cluster = this.byExact.get(q.exact)?.alive() ?? null;
      this.weigh(q);
    }
    if (cluster) reason = 'exact';
    else if (fingerprint !== null) {
      cluster = this.byFingerprint.get(fingerprint)?.alive() ?? null;
      if (cluster) reason = 'fingerprint';
    }
    const day = dayOf(call.startedAt);
    if (!cluster && hasWords) {
      this.setWindow(day, day);
      const best = this.nearest(q);
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
    if (!Number.isNaN(day)) {
      if (day < cluster.first) cluster.first = day;
      if (day > cluster.last) cluster.last = day;
    }
    if (hasWords) {
      this.addFeatures(cluster, q);
      pushBounded(cluster.exact, q.exact, MAX_EXACT);
      this.byExact.set(q.exact, cluster);
      if (cluster.example === '' && call.transcript) cluster.example = call.transcript.slice(0, MAX_EXAMPLE);
    }
    // A fingerprint belongs to the first cluster that had it: a call of that audio put elsewhere by
    // its exact transcript does not take it along (proposeMerges sees that the two share it).
    if (fingerprint !== null) {
      const owner = this.byFingerprint.get(fingerprint)?.alive() ?? null;
      if (owner === null) this.byFingerprint.set(fingerprint, cluster);
      pushBounded(cluster.fingerprints, fingerprint, MAX_FINGERPRINTS);
    }
    if (isNeighbourSpoof(call.callingNumber, call.calledNumber)) cluster.neighbour++;
    if (created || !this.changed.has(cluster))
      this.changed.set(cluster, created || this.changed.get(cluster) === true);
    return { callId: call.id, clusterId: cluster.id, similarity, reason };
  }

  /**
   * Candidates from now on must have dates within `maxGapDays` of [first, last] (first > last or NaN:
   * no date, every cluster is a candidate). Clusters without a date always are.
   */
  private setWindow(first: number, last: number): void {
    const gap = this.options.maxGapDays;
    if (gap > 0 && first <= last) {
      this.windowLo = first - gap;
      this.windowHi = last + gap;
    } else {
      this.windowLo = Number.NEGATIVE_INFINITY;
      this.windowHi = Number.POSITIVE_INFINITY;
    }
  }

  private inWindow(c: Cluster): boolean {
    return c.first > c.last || (c.last >= this.windowLo && c.first <= this.windowHi);
  }

  private idf(f: number): number {
    const df = this.df[f & SKETCH_MASK] as number;
    return Math.log(1 + (this.docs + 1) / (df + 1));
  }

  /** The call's idf weights (shares 1) and its mass Σ weight. */
  private weigh(q: FeatureSet): void {
    let mass = 0;
    const docs1 = this.docs + 1;
    for (let i = 0; i < q.len; i++) {
      const w = Math.log(1 + docs1 / ((this.df[(q.feats[i] as number) & SKETCH_MASK] as number) + 1));
      q.weights[i] = w;
      q.shares[i] = 1;
      mass += w;
    }
    q.mass = mass;
  }

  /** A cluster's profile as a fuzzy query: its features, their idf weights and shares. */
  private fillProbe(c: Cluster): void {
    const p = this.probe;
    p.clear(c.len);
    const n = c.n || 1;
    let mass = 0;
    for (let i = 0; i < c.len; i++) {
      const f = c.feats[i] as number;
      const j = p.add(f);
      const w = this.idf(f);
      const a = (c.counts[i] as number) / n;
      p.weights[j] = w;
      p.shares[j] = a;
      mass += w * a;
    }
    p.mass = mass;
  }

  /**
   * Adds a call's features to a cluster. The index lists a cluster under a feature once two of its
   * calls have it (under every feature while it has one call): noise words of single calls would
   * otherwise fill the index and be dropped again at the next trim.
   */
  private addFeatures(cluster: Cluster, q: FeatureSet): void {
    const before = cluster.n;
    let added = 0;
    for (let j = 0; j < q.len; j++) {
      added += q.weights[j] as number;
      const idx = (q.feats[j] as number) & SKETCH_MASK;
      this.df[idx] = (this.df[idx] as number) + 1;
    }
    if (this.hit.length < q.len) this.hit = new Uint32Array(q.feats.length);
    const hit = this.hit;
    const stamp = ++this.hitStamp;
    const oldLen = cluster.len;
    const feats = cluster.feats;
    const counts = cluster.counts;
    for (let i = 0; i < oldLen; i++) {
      const f = feats[i] as number;
      const j = q.indexOf(f);
      const had = counts[i] as number;
      if (j >= 0) {
        counts[i] = had + 1;
        hit[j] = stamp;
        if (had === 1 && before >= 2) this.indexAdd(f, cluster);
      } else if (before === 1 && had === 1) this.indexRemove(f, cluster);
    }
    if (before === 0) cluster.reserve(q.len);
    for (let j = 0; j < q.len; j++) {
      if (hit[j] === stamp) continue;
      const f = q.feats[j] as number;
      cluster.append(f, 1);
      if (before === 0) this.indexAdd(f, cluster);
    }
    for (let k = 0; k < q.ncallbacks; k++) cluster.addCallback(q.callbacks[k] as number, 1);
    this.docs++;
    cluster.n++;
    // Kept up to date with the weights of now; summed again in full now and then (clusterMass).
    cluster.weighted += added;
    if (cluster.len > this.options.maxFeatures) this.trim(cluster, true);
  }

  /** Whether the index lists the cluster under a feature of this count. */
  private indexed(cluster: Cluster, count: number): boolean {
    return cluster.n <= 1 || count >= 2;
  }

  private indexAll(cluster: Cluster): void {
    for (let i = 0; i < cluster.len; i++)
      if (this.indexed(cluster, cluster.counts[i] as number))
        this.indexAdd(cluster.feats[i] as number, cluster);
  }

  private deindexAll(cluster: Cluster): void {
    for (let i = 0; i < cluster.len; i++)
      if (this.indexed(cluster, cluster.counts[i] as number))
        this.indexRemove(cluster.feats[i] as number, cluster);
  }

  /**
   * Keeps the profile's most frequent features: drops the rarest counts until at most three quarters
   * of the bound are left (all features of a count go together, so the result does not depend on
   * order), so that trims are rare. `indexedNow`: whether the cluster's features are in the index.
   */
  private trim(cluster: Cluster, indexedNow: boolean): void {
    const max = this.options.maxFeatures;
    if (cluster.len <= max) return;
    const keep = Math.floor(max * 0.75);
    const histogram = new Map<number, number>();
    for (let i = 0; i < cluster.len; i++) {
      const count = cluster.counts[i] as number;
      histogram.set(count, (histogram.get(count) ?? 0) + 1);
    }
    const levels = [...histogram.keys()].sort((a, b) => a - b);
    // Whole levels of the rarest counts go while what is left stays at or above `keep`; of the level
    // that would cross it, only as many as needed go, the least telling (lowest idf) first. (Dropping
    // that whole level emptied the profile of a single long call, whose features all count 1.)
    let left = cluster.len;
    let cutoff = 0;
    let partialLevel = -1;
    let partial = 0;
    for (const level of levels) {
      if (left <= keep) break;
      const n = histogram.get(level) as number;
      if (left - n >= keep) {
        left -= n;
        cutoff = level;
        continue;
      }
      partialLevel = level;
      partial = left - keep;
      break;
    }
    const { feats, counts } = cluster;
    const dropAtLevel = new Set<number>();
    if (partial > 0) {
      const atLevel: number[] = [];
      for (let i = 0; i < cluster.len; i++) if (counts[i] === partialLevel) atLevel.push(i);
      atLevel.sort((a, b) => this.idf(feats[a] as number) - this.idf(feats[b] as number) || a - b);
      for (const i of atLevel.slice(0, partial)) dropAtLevel.add(i);
    }
    let removed = 0;
    let out = 0;
    for (let i = 0; i < cluster.len; i++) {
      const f = feats[i] as number;
      const count = counts[i] as number;
      if (count > cutoff && !dropAtLevel.has(i)) {
        feats[out] = f;
        counts[out++] = count;
        continue;
      }
      if (indexedNow && this.indexed(cluster, count)) this.indexRemove(f, cluster);
      removed += this.idf(f) * count;
    }
    cluster.len = out;
    cluster.weighted = Math.max(0, cluster.weighted - removed);
  }

  private indexAdd(f: number, cluster: Cluster): void {
    const p = this.index.get(f);
    if (p === undefined) this.index.set(f, cluster);
    else if (typeof p === 'number') this.index.set(f, p + 1);
    else if (Array.isArray(p)) {
      if (p.length < STORED_POSTINGS) p.push(cluster);
      else this.index.set(f, p.length + 1);
    } else this.index.set(f, [p, cluster]);
  }

  private indexRemove(f: number, cluster: Cluster): void {
    const p = this.index.get(f);
    if (p === undefined) return;
    if (typeof p === 'number') {
      if (p <= 1) this.index.delete(f);
      else this.index.set(f, p - 1);
    } else if (Array.isArray(p)) {
      const at = p.indexOf(cluster);
      if (at < 0) return;
      p[at] = p[p.length - 1] as Cluster;
      p.pop();
      if (p.length === 1) this.index.set(f, p[0] as Cluster);
    } else if (p === cluster) this.index.delete(f);
  }

  /**
   * The clusters most worth scoring: those sharing the most weight of the call's rarest features that
   * some cluster has (the rarest features of a script find its cluster; common ones find everyone).
   */
  private candidates(q: FeatureSet, limit: number): Cluster[] {
    const stamp = ++this.stamp;
    const found = this.found;
    found.length = 0;
    const want = this.options.candidateFeatures;
    if (this.top.length < want) this.top = new Int32Array(want);
    const top = this.top;
    const weights = q.weights;
    // Indices of the `want` largest weights among features some cluster shares, largest first.
    let size = 0;
    for (let i = 0; i < q.len; i++) {
      const w = weights[i] as number;
      if (size === want && w <= (weights[top[want - 1] as number] as number)) continue;
      const p = this.index.get(q.feats[i] as number);
      // A count without its list (it once passed STORED_POSTINGS) stays unusable until it empties.
      if (p === undefined || typeof p === 'number' || postingSize(p) > MAX_POSTINGS) continue;
      let at = size === want ? want - 1 : size++;
      while (at > 0 && (weights[top[at - 1] as number] as number) < w) {
        top[at] = top[at - 1] as number;
        at--;
      }
      top[at] = i;
    }
    const windowed = this.windowLo !== Number.NEGATIVE_INFINITY;
    for (let k = 0; k < size; k++) {
      const i = top[k] as number;
      const w = weights[i] as number;
      const p = this.index.get(q.feats[i] as number) as Cluster | Cluster[];
      if (Array.isArray(p)) {
        for (let m = 0; m < p.length; m++) {
          const c = p[m] as Cluster;
          if (c.stamp !== stamp) {
            c.stamp = stamp;
            c.score = 0;
            if (windowed && !this.inWindow(c)) c.score = Number.NEGATIVE_INFINITY;
            else found.push(c);
          }
          c.score += w;
        }
      } else {
        if (p.stamp !== stamp) {
          p.stamp = stamp;
          p.score = 0;
          if (windowed && !this.inWindow(p)) p.score = Number.NEGATIVE_INFINITY;
          else found.push(p);
        }
        p.score += w;
      }
    }
    if (found.length <= limit) return found;
    // The `limit` best by (score, then the larger), in that order: one pass keeping them sorted.
    let kept = 0;
    for (let m = 0; m < found.length; m++) {
      const c = found[m] as Cluster;
      if (kept === limit && !before(c, found[limit - 1] as Cluster)) continue;
      let at = kept < limit ? kept++ : limit - 1;
      while (at > 0 && before(c, found[at - 1] as Cluster)) {
        found[at] = found[at - 1] as Cluster;
        at--;
      }
      found[at] = c;
    }
    found.length = limit;
    return found;
  }

  private nearest(q: FeatureSet): { cluster: Cluster | null; similarity: number } {
    let best: Cluster | null = null;
    let bestSim = -1;
    const found = this.candidates(q, CANDIDATES_SCORED);
    for (let k = 0; k < found.length; k++) {
      const c = found[k] as Cluster;
      const sim = this.similarity(q, c);
      if (sim > bestSim || (sim === bestSim && best !== null && isLarger(c, best))) {
        bestSim = sim;
        best = c;
      }
    }
    return { cluster: best, similarity: Math.max(0, bestSim) };
  }

  /**
   * Tversky index of a (fuzzy) feature set A against cluster B: shared / (|A| + β·|B − A|), every
   * feature weighted by its idf, a cluster's feature by the share of its calls that have it. Walks
   * the cluster's profile and looks each feature up in the query's table.
   */
  private similarity(q: FeatureSet, c: Cluster): number {
    if (q.mass === 0) return 0;
    let shared = 0;
    const n = c.n || 1;
    const { feats, counts } = c;
    const weights = q.weights;
    const shares = q.shares;
    for (let i = 0; i < c.len; i++) {
      const j = q.indexOf(feats[i] as number);
      if (j < 0) continue;
      const share = (counts[i] as number) / n;
      const a = shares[j] as number;
      shared += (weights[j] as number) * (a < share ? a : share);
    }
    const missing = Math.max(0, this.clusterMass(c) - shared);
    return shared / (q.mass + this.options.missWeight * missing);
  }

  /** Σ idf × share over a cluster's profile; summed again when the call count has grown by a quarter. */
  private clusterMass(c: Cluster): number {
    if (c.weightedAt < 0 || this.docs > c.weightedAt * 1.25 + 20) {
      let sum = 0;
      for (let i = 0; i < c.len; i++) sum += this.idf(c.feats[i] as number) * (c.counts[i] as number);
      c.weighted = sum;
      c.weightedAt = this.docs;
    }
    return c.weighted / (c.n || 1);
  }
}

/** Candidate order: more shared weight of the rarest features, then the larger cluster. */
function before(a: Cluster, b: Cluster): boolean {
  return a.score > b.score || (a.score === b.score && isLarger(a, b));
}

function isLarger(a: Cluster, b: Cluster): boolean {
  return a.size > b.size || (a.size === b.size && a.id < b.id);
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

/** Days since 1970-01-01 UTC (whole days), NaN without a usable date. */
function dayOf(at: Date | number | string | null | undefined): number {
  if (at === null || at === undefined) return NaN;
  const ms = at instanceof Date ? at.getTime() : typeof at === 'number' ? at : Date.parse(at);
  return Number.isFinite(ms) ? Math.floor(ms / 86_400_000) : NaN;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function writeProfile(c: Cluster): ClusterProfile {
  // In the profile's order, so that a reloaded cluster sums its features in the same order.
  const profile: ProfileJson = {
    v: PROFILE_VERSION,
    f: Array.from(c.feats.subarray(0, c.len)),
    c: Array.from(c.counts.subarray(0, c.len)),
    n: c.n,
    x: [...c.exact],
    a: [...c.fingerprints],
    e: c.example,
    nb: c.neighbour,
    t: [...c.callbacks],
    tc: [...c.callbackCounts],
    w: c.weighted,
    wa: c.weightedAt,
  };
  if (c.first <= c.last) {
    profile.d0 = c.first;
    profile.d1 = c.last;
  }
  return profile as unknown as ClusterProfile;
}

function readProfile(c: Cluster, profile: ClusterProfile, scratch: FeatureSet): void {
  // Version 1 had no callback numbers: they are counted from the calls that come.
  if (!isRecord(profile) || (profile.v !== PROFILE_VERSION && profile.v !== 1))
    throw new Error(`cluster ${c.id}: unknown profile version ${String((profile as { v?: unknown }).v)}`);
  const p = profile as unknown as ProfileJson;
  const f = Array.isArray(p.f) ? p.f : [];
  const counts = Array.isArray(p.c) ? p.c : [];
  scratch.clear(f.length);
  c.reserve(f.length);
  for (let i = 0; i < f.length; i++) {
    const h = (Number(f[i]) >>> 0) & 0x3fffffff;
    const count = Number(counts[i]) || 1;
    const j = scratch.add(h);
    // A feature listed twice keeps its first place and its last count.
    if (j === c.len) c.append(h, count);
    else c.counts[j] = count;
  }
  c.n = Number(p.n) || 0;
  c.exact = Array.isArray(p.x) ? p.x.map((x) => Number(x) >>> 0) : [];
  c.fingerprints = Array.isArray(p.a) ? p.a.map(String) : [];
  c.example = typeof p.e === 'string' ? p.e : '';
  c.neighbour = Number(p.nb) || 0;
  c.callbacks = [];
  c.callbackCounts = [];
  if (Array.isArray(p.t) && Array.isArray(p.tc))
    for (let k = 0; k < p.t.length; k++)
      c.addCallback((Number(p.t[k]) >>> 0) & 0x3fffffff, Math.max(1, Number(p.tc[k]) || 1));
  c.weighted = Number(p.w) || 0;
  c.weightedAt = typeof p.wa === 'number' ? p.wa : -1;
  if (typeof p.d0 === 'number' && typeof p.d1 === 'number' && p.d0 <= p.d1) {
    c.first = p.d0;
    c.last = p.d1;
  }
}

/** A profile built from scratch from some calls (used when an analyst splits a campaign). */
export function profileOf(calls: DetectCall[], options?: Partial<DetectorOptions>): ClusterProfile {
  const maxFeatures = options?.maxFeatures ?? DEFAULT_DETECTOR_OPTIONS.maxFeatures;
  const c = new Cluster('profile');
  const q = new FeatureSet();
  let counts = new Map<number, number>();
  for (const call of calls) {
    scanFeatures(call.transcript, q);
    c.size++;
    if (q.len > 0) {
      for (let i = 0; i < q.len; i++) {
        const f = q.feats[i] as number;
        counts.set(f, (counts.get(f) ?? 0) + 1);
      }
      c.n++;
      for (let k = 0; k < q.ncallbacks; k++) c.addCallback(q.callbacks[k] as number, 1);
      pushBounded(c.exact, q.exact, MAX_EXACT);
      if (c.example === '' && call.transcript) c.example = call.transcript.slice(0, MAX_EXAMPLE);
    }
    if (call.audioFingerprint)
      pushBounded(c.fingerprints, fingerprintKey(call.audioFingerprint), MAX_FINGERPRINTS);
    if (isNeighbourSpoof(call.callingNumber, call.calledNumber)) c.neighbour++;
    const day = dayOf(call.startedAt);
    if (!Number.isNaN(day)) {
      if (day < c.first) c.first = day;
      if (day > c.last) c.last = day;
    }
  }
  if (counts.size > maxFeatures) {
    const entries = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    counts = new Map(entries.slice(0, maxFeatures));
  }
  c.reserve(counts.size);
  for (const [f, count] of counts) c.append(f, count);
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
