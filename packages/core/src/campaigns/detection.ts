import { randomUUID } from 'node:crypto';
import {
  Detector,
  extractCallbackNumbers,
  DEFAULT_DETECTOR_OPTIONS,
  type DetectCall,
  type DetectorOptions,
} from '@hoptrace/campaigns';
import {
  addCampaignCalls,
  addCampaignNumbers,
  addCampaignVolume,
  bumpDetectorVersion,
  claimCallBatch,
  deleteCallBatch,
  detectorVersion,
  insertDetectedCampaigns,
  loadDetectorClusters,
  mergeCampaignRows,
  readBatchCalls,
  readSetting,
  writeCallAssignments,
  writeCampaignProfiles,
  writeSetting,
  type CallAssignmentWrite,
  type CampaignCountsWrite,
  type Db,
  type DetectionCallRow,
  type Executor,
  type NewDetectedCampaign,
  type NumberWrite,
  type VolumeWrite,
} from '@hoptrace/db';
import type { Clock } from '../clock/clock';
import type { ShakenVerifier } from '../shaken/port';

const STATE_KEY = 'campaign_detector_state';
/** The detector's document frequencies are saved this often while it runs (and at the end of a run). */
const SAVE_STATE_MS = 60_000;
/** Identity headers verified at once within a batch (the verifier caches certificates). */
const VERIFY_CONCURRENCY = 16;
/** Batches through the pipeline before it drains and the detector is checked for changes made elsewhere. */
const PIPELINE_DEPTH = 8;

export interface DetectionOptions {
  detector?: Partial<DetectorOptions>;
  /** Verifies the Identity headers calls arrived with; without it they stay `unverified`. */
  verifier?: ShakenVerifier | undefined;
}

export interface DetectionStep {
  batchId: number;
  calls: number;
  assigned: number;
  noSignal: number;
  newClusters: number;
  promoted: string[];
}

export interface DetectionTotals {
  batches: number;
  calls: number;
  assigned: number;
  noSignal: number;
  newClusters: number;
  promoted: number;
  merged: number;
}

const hourOf = (d: Date) => new Date(Math.floor(d.getTime() / 3_600_000) * 3_600_000);

/** A name for a campaign the detector found: the start of a transcript, until an analyst names it. */
export function detectedName(transcript: string | null): string {
  const words = (transcript ?? '').replace(/\s+/g, ' ').trim().split(' ').filter(Boolean);
  if (!words.length) return 'Detected campaign (no transcript)';
  let name = '';
  for (const w of words) {
    if ((name + ' ' + w).length > 60) break;
    name = name ? `${name} ${w}` : w;
  }
  return `“${name}${name.length < words.join(' ').length ? '…' : ''}”`;
}

/**
 * Campaign detection over stored calls: claims the import batches waiting for it (FOR UPDATE SKIP
 * LOCKED, so several workers share the work), runs them through one in-memory `Detector` holding
 * every detected campaign and candidate, and writes each batch's verdicts, new candidates,
 * promotions, volume and numbers in the batch's own transaction.
 *
 * The detector's clusters live in `campaigns.profile`; a version in `settings` moves on at every
 * change made elsewhere (an analyst's merge or split, another worker's batch), and this process
 * reloads before its next batch when it does. Analysts' decisions live in the database (calls they
 * placed, kept-apart pairs, legitimate status, names), so every later run honours them.
 */
export class CampaignDetection {
  private detector: Detector | null = null;
  private version = -1;
  private stateSavedAt = 0;
  /**
   * Profiles changed since they were last written. A batch writes its counts at once, but the
   * profiles (up to 16 KB each, hundreds touched by every batch) at most every SAVE_STATE_MS and at
   * the end of a run: they are statistics the detector learns from, and a process that restarts
   * resumes from slightly older ones.
   */
  private readonly pendingProfiles = new Map<string, Record<string, unknown>>();
  private profilesSavedAt = Date.now();
  /** The detector learnt from calls its saved state does not hold yet. */
  private stateDirty = false;
  /** The version consolidation last looked at: nothing to fold again until it moves. */
  private consolidatedVersion = -1;
  readonly options: DetectorOptions;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly opts: DetectionOptions = {},
  ) {
    this.options = { ...DEFAULT_DETECTOR_OPTIONS, ...opts.detector };
  }

  /** The in-memory detector, (re)loaded from the database when it changed elsewhere. */
  private async loaded(): Promise<Detector> {
    const stored = await detectorVersion(this.db);
    if (this.detector && stored === this.version) return this.detector;
    // Changed elsewhere (an analyst's split, another worker): what is stored wins.
    this.pendingProfiles.clear();
    const detector = new Detector(this.options, { newId: randomUUID });
    const state = await readSetting<unknown>(this.db, STATE_KEY);
    if (state) detector.importState(state);
    const rows = await loadDetectorClusters(this.db);
    detector.load(rows.map((r) => ({ id: r.id, profile: r.profile as never, size: r.callCount })));
    this.detector = detector;
    this.version = stored;
    return detector;
  }

  /** Forget the in-memory detector: the next batch reloads it from the database. */
  invalidate(): void {
    this.detector = null;
    this.pendingProfiles.clear();
  }

  /** Writes the profiles changed since the last write (due, or `force`). */
  private async writeProfiles(tx: Executor, force: boolean): Promise<void> {
    if (!this.pendingProfiles.size || (!force && Date.now() - this.profilesSavedAt < SAVE_STATE_MS)) return;
    await writeCampaignProfiles(
      tx,
      [...this.pendingProfiles].map(([id, profile]) => ({ id, profile })),
    );
    this.pendingProfiles.clear();
    this.profilesSavedAt = Date.now();
  }

  private async saveState(force: boolean): Promise<void> {
    const now = Date.now();
    if (!this.detector || !this.stateDirty || (!force && now - this.stateSavedAt < SAVE_STATE_MS)) return;
    await writeSetting(this.db, STATE_KEY, this.detector.exportState(), this.clock.now());
    this.stateSavedAt = now;
    this.stateDirty = false;
  }

  /** Saves what the detector learnt since its last save (a worker stopping). */
  async flush(): Promise<void> {
    await this.db.transaction((tx) => this.writeProfiles(tx, true));
    await this.saveState(true);
  }

  /**
   * One batch of calls through detection; null when none waits. In a pipeline (`runToCompletion`),
   * `assigned` is told once the batch's calls are assigned and its writes worked out (the next batch
   * may then be read and assigned), and the writes wait for the batch before (`after`) to commit: if
   * it failed, this one rolls back too.
   */
  async step(
    pipeline: { after: Promise<unknown> | null; assigned: () => void; detector: Detector } | null = null,
  ): Promise<DetectionStep | null> {
    const detector = pipeline?.detector ?? (await this.loaded());
    let step: DetectionStep | null;
    try {
      step = await this.db.transaction(async (tx) => {
        const batch = await claimCallBatch(tx);
        if (!batch) return null;
        // In call order: a campaign's first calls found it, later ones join it.
        const calls = (await readBatchCalls(tx, batch.id)).sort(
          (a, b) => a.startedAt.getTime() - b.startedAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
        );
        const verified = await this.verify(calls);
        const at = this.clock.now();
        // Calls an analyst placed keep their campaign; the detector still learns from them.
        const input: DetectCall[] = calls.map((c) => ({
          id: c.id,
          transcript: c.transcript,
          language: c.language,
          callingNumber: c.callingNumber,
          calledNumber: c.calledNumber,
          audioFingerprint: c.audioFingerprint,
          startedAt: c.startedAt,
        }));
        const assignments = detector.assign(input);
        const changes = detector.takeChanges();
        const created = new Map(changes.filter((c) => c.created).map((c) => [c.id, c]));
        const byId = new Map(calls.map((c) => [c.id, c]));

        const newCampaigns: NewDetectedCampaign[] = [];
        const writes: CallAssignmentWrite[] = [];
        const counts = new Map<string, CampaignCountsWrite>();
        const volume = new Map<string, VolumeWrite>();
        const numbers = new Map<string, NumberWrite>();
        let noSignal = 0;
        const addNumber = (campaignId: string, role: 'caller' | 'callback', number: string, when: Date) => {
          const key = `${campaignId}|${role}|${number}`;
          const n = numbers.get(key);
          if (n) {
            n.calls++;
            if (when < n.firstSeen) n.firstSeen = when;
            if (when > n.lastSeen) n.lastSeen = when;
          } else numbers.set(key, { campaignId, role, number, calls: 1, firstSeen: when, lastSeen: when });
        };
        for (const a of assignments) {
          const call = byId.get(a.callId)!;
          const v = verified.get(call.id);
          const callbacks = call.transcript ? extractCallbackNumbers(call.transcript) : [];
          writes.push({
            id: call.id,
            startedAt: call.startedAt,
            campaignId: a.clusterId,
            similarity: a.clusterId ? a.similarity : null,
            callbackNumbers: callbacks,
            ...(v ?? {}),
          });
          const campaignId = call.assignedBy === 'analyst' ? call.campaignId : a.clusterId;
          if (!campaignId) {
            noSignal++;
            continue;
          }
          if (created.has(campaignId) && !newCampaigns.some((n) => n.id === campaignId)) {
            newCampaigns.push({
              id: campaignId,
              name: detectedName(call.transcript),
              description: `Found by campaign detection from call records. First call: ${call.startedAt.toISOString()}.`,
              sampleTranscript: call.transcript?.slice(0, 2000) ?? null,
              profile: created.get(campaignId)!.profile,
              at,
            });
          }
          const c = counts.get(campaignId);
          if (c) {
            c.added++;
            if (call.startedAt < c.firstSeen) c.firstSeen = call.startedAt;
            if (call.startedAt > c.lastSeen) c.lastSeen = call.startedAt;
          } else
            counts.set(campaignId, {
              id: campaignId,
              added: 1,
              firstSeen: call.startedAt,
              lastSeen: call.startedAt,
            });
          const hour = hourOf(call.startedAt);
          const vk = `${campaignId}|${call.sourceId}|${hour.getTime()}`;
          const attestation = v?.attestation ?? call.attestation;
          const vol = volume.get(vk) ?? {
            campaignId,
            sourceId: call.sourceId,
            hour,
            calls: 0,
            signedA: 0,
            signed: 0,
          };
          vol.calls++;
          if (call.identityHeader) vol.signed++;
          if (attestation === 'A') vol.signedA++;
          volume.set(vk, vol);
          if (call.callingNumber) addNumber(campaignId, 'caller', call.callingNumber, call.startedAt);
          for (const cb of callbacks) addNumber(campaignId, 'callback', cb, call.startedAt);
        }
        for (const change of changes)
          if (!created.has(change.id)) this.pendingProfiles.set(change.id, change.profile);
        if (pipeline) {
          pipeline.assigned();
          await pipeline.after;
        }
        await insertDetectedCampaigns(tx, newCampaigns);
        await writeCallAssignments(tx, writes);
        const promoted = await addCampaignCalls(tx, [...counts.values()], this.options.minCalls, at);
        await addCampaignVolume(tx, [...volume.values()]);
        await addCampaignNumbers(tx, [...numbers.values()]);
        await this.writeProfiles(tx, false);
        await deleteCallBatch(tx, batch.id);
        this.version = await bumpDetectorVersion(tx, at);
        return {
          batchId: batch.id,
          calls: calls.length,
          assigned: calls.length - noSignal,
          noSignal,
          newClusters: newCampaigns.length,
          promoted,
        };
      });
    } catch (err) {
      // The detector's memory ran ahead of a transaction that did not commit.
      this.invalidate();
      throw err;
    }
    if (step) {
      this.stateDirty = true;
      // In a pipeline the next batch's transaction may hold the only connection (PGlite) and wait
      // for this one: the state is saved between windows instead.
      if (!pipeline) await this.saveState(false);
    }
    return step;
  }

  /** Verifies the Identity headers of a batch's calls that arrived unverified. */
  private async verify(
    calls: DetectionCallRow[],
  ): Promise<Map<string, Pick<CallAssignmentWrite, 'shakenStatus' | 'attestation' | 'signerOcn'>>> {
    const out = new Map<string, Pick<CallAssignmentWrite, 'shakenStatus' | 'attestation' | 'signerOcn'>>();
    const verifier = this.opts.verifier;
    if (!verifier) return out;
    const todo = calls.filter((c) => c.identityHeader);
    let next = 0;
    const worker = async () => {
      while (next < todo.length) {
        const call = todo[next++]!;
        try {
          const v = await verifier.verifyIdentity({
            identity: call.identityHeader!,
            callTime: call.startedAt,
            ...(call.callingNumber ? { orig: call.callingNumber } : {}),
            ...(call.calledNumber ? { dest: call.calledNumber } : {}),
          });
          out.set(call.id, {
            shakenStatus: v.ok ? 'valid' : 'invalid',
            attestation: v.attestation,
            signerOcn: v.spc,
          });
        } catch {
          out.set(call.id, { shakenStatus: 'error', attestation: null, signerOcn: null });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(VERIFY_CONCURRENCY, todo.length) }, worker));
    return out;
  }

  /**
   * Folds together clusters the detector finds to be one (a wording variant that started its own
   * candidate), never two an analyst split apart, and never two campaigns both named by analysts.
   */
  async consolidate(): Promise<number> {
    const detector = await this.loaded();
    // Nothing changed since the last look (here or elsewhere): the same proposals, all settled.
    if (this.version === this.consolidatedVersion) return 0;
    const rows = await loadDetectorClusters(this.db);
    const info = new Map(rows.map((r) => [r.id, r]));
    const keptApart = new Set<string>();
    for (const r of rows)
      for (const other of r.keptApart) keptApart.add(r.id < other ? `${r.id}|${other}` : `${other}|${r.id}`);
    const proposals = detector.proposeMerges({ keptApart });
    let merged = 0;
    for (const p of proposals) {
      const keep = info.get(p.keepId);
      const absorb = info.get(p.absorbId);
      if (!keep || !absorb || !detector.has(p.keepId) || !detector.has(p.absorbId)) continue;
      if (keep.namedByAnalyst && absorb.namedByAnalyst) continue;
      if ((keep.status === 'legitimate') !== (absorb.status === 'legitimate')) continue;
      // The one an analyst named, or the larger, keeps its id.
      const [k, a] = absorb.namedByAnalyst && !keep.namedByAnalyst ? [absorb, keep] : [keep, absorb];
      await this.merge(k.id, a.id);
      merged++;
    }
    // A merge can make another pair alike: the next run looks again.
    if (merged === 0) this.consolidatedVersion = this.version;
    return merged;
  }

  /** Merges two campaigns in the database and in the detector (analyst or consolidation). */
  async merge(keepId: string, absorbId: string): Promise<void> {
    const detector = await this.loaded();
    const both = detector.has(keepId) && detector.has(absorbId);
    let profile: Record<string, unknown> | null = null;
    try {
      await this.db.transaction(async (tx) => {
        if (both) {
          detector.merge(keepId, absorbId);
          profile = detector.takeChanges().find((c) => c.id === keepId)?.profile ?? null;
        } else if (detector.has(absorbId)) detector.remove(absorbId);
        await mergeCampaignRows(tx, keepId, absorbId, profile, this.clock.now(), this.options.minCalls);
        this.version = await bumpDetectorVersion(tx, this.clock.now());
      });
      // The merge wrote the kept one's profile; the absorbed one has none any more.
      this.pendingProfiles.delete(absorbId);
      if (profile) this.pendingProfiles.delete(keepId);
    } catch (err) {
      this.invalidate();
      throw err;
    }
  }

  /**
   * Every waiting batch, then consolidation. Batches go through a pipeline: while one batch's writes
   * run in the database, the next is read and assigned here (on PostgreSQL, on a second connection:
   * the two use both cores). Every PIPELINE_DEPTH batches the pipeline drains and the detector is
   * checked against changes made elsewhere (an analyst's merge or split, another worker).
   * `flush: false` (the worker, every few seconds) saves the detector's state and profiles at most
   * once a minute, the rest at `flush()`; by default they are saved now.
   */
  async runToCompletion(
    onStep?: (s: DetectionStep, totals: DetectionTotals) => void,
    opts: { flush?: boolean } = {},
  ): Promise<DetectionTotals> {
    const totals: DetectionTotals = {
      batches: 0,
      calls: 0,
      assigned: 0,
      noSignal: 0,
      newClusters: 0,
      promoted: 0,
      merged: 0,
    };
    for (let more = true; more;) {
      const detector = await this.loaded();
      const inFlight: Array<Promise<DetectionStep | null>> = [];
      let before: Promise<DetectionStep | null> | null = null;
      for (let i = 0; i < PIPELINE_DEPTH; i++) {
        let assigned!: () => void;
        const ready = new Promise<'assigned'>((resolve) => (assigned = () => resolve('assigned')));
        const current = this.step({ after: before, assigned, detector });
        inFlight.push(current);
        const state = await Promise.race([
          ready,
          current.then(
            () => 'settled' as const,
            () => 'settled' as const,
          ),
        ]);
        if (state === 'settled') break;
        before = current;
      }
      const settled = await Promise.allSettled(inFlight);
      for (const r of settled) if (r.status === 'rejected') throw r.reason;
      for (const r of settled) {
        if (r.status === 'rejected') continue;
        const s = r.value;
        if (!s) {
          more = false;
          continue;
        }
        totals.batches++;
        totals.calls += s.calls;
        totals.assigned += s.assigned;
        totals.noSignal += s.noSignal;
        totals.newClusters += s.newClusters;
        totals.promoted += s.promoted.length;
        onStep?.(s, totals);
      }
      await this.saveState(false);
    }
    // Nothing came in: nothing to fold together.
    if (totals.batches === 0) return totals;
    await this.db.transaction((tx) => this.writeProfiles(tx, opts.flush ?? true));
    totals.merged = await this.consolidate();
    await this.saveState(opts.flush ?? true);
    return totals;
  }
}
