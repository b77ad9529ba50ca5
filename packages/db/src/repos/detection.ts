import { and, eq, inArray, isNotNull, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../client';
import { callBatches, campaigns, settings } from '../schema';

/**
 * A list of values none of which holds a comma (uuids, numbers, ISO times, E.164 numbers, fixed
 * words) as one text parameter split in the database (an empty item is NULL; a first item of its
 * own keeps a list of one empty item from reading as no items): one parameter instead of an array
 * whose every element the driver escapes and quotes.
 */
export function listParam(
  values: ReadonlyArray<string | number | null>,
  type: 'uuid' | 'timestamptz' | 'float8' | 'int' | 'text',
): SQL {
  const text = ['-', ...values.map((v) => (v === null ? '' : String(v)))].join(',');
  return sql`((string_to_array(${text}, ',', ''))[2:])::${sql.raw(type)}[]`;
}

/** Rows of a raw statement: node-postgres and PGlite both answer `{ rows }`. */
export function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}

/** A cluster the detector keeps: a detected campaign or candidate (hand-made campaigns have no profile). */
export interface DetectorClusterRow {
  id: string;
  profile: Record<string, unknown>;
  callCount: number;
  status: string;
  keptApart: string[];
  namedByAnalyst: boolean;
}

export async function loadDetectorClusters(db: Executor): Promise<DetectorClusterRow[]> {
  return db
    .select({
      id: campaigns.id,
      profile: sql<Record<string, unknown>>`${campaigns.profile}`,
      callCount: campaigns.callCount,
      status: campaigns.status,
      keptApart: campaigns.keptApart,
      namedByAnalyst: campaigns.namedByAnalyst,
    })
    .from(campaigns)
    .where(
      and(isNotNull(campaigns.profile), inArray(campaigns.status, ['candidate', 'active', 'legitimate'])),
    );
}

export async function readSetting<T>(db: Executor, key: string): Promise<T | undefined> {
  const [row] = await db.select({ value: settings.value }).from(settings).where(eq(settings.key, key));
  return row?.value as T | undefined;
}

export async function writeSetting(
  db: Executor,
  key: string,
  value: Record<string, unknown>,
  at: Date,
  by: string | null = null,
): Promise<void> {
  await db
    .insert(settings)
    .values({ key, value, updatedAt: at, updatedBy: by })
    .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: at, updatedBy: by } });
}

/** Bumps and returns the detection state's version: a process whose detector is older reloads it. */
export async function bumpDetectorVersion(db: Executor, at: Date): Promise<number> {
  const rows = await db.execute<{ version: number }>(sql`
    insert into settings (key, value, updated_at) values ('campaign_detector_version', '{"version": 1}'::jsonb, ${at.toISOString()}::timestamptz)
    on conflict (key) do update set value = jsonb_build_object('version', (settings.value->>'version')::bigint + 1), updated_at = excluded.updated_at
    returning (value->>'version')::int as version`);
  return Number(rowsOf<{ version: number }>(rows)[0]!.version);
}

export async function detectorVersion(db: Executor): Promise<number> {
  const v = await readSetting<{ version: number }>(db, 'campaign_detector_version');
  return Number(v?.version ?? 0);
}

export interface ClaimedBatch {
  id: number;
  sourceId: number;
  receivedAt: Date;
}

/** The oldest batch waiting for detection, locked for this transaction (others skip it). */
export async function claimCallBatch(tx: Executor): Promise<ClaimedBatch | undefined> {
  // The batch's ids and times stay in the database: readBatchCalls reads its calls by them there.
  const [row] = await tx
    .select({ id: callBatches.id, sourceId: callBatches.sourceId, receivedAt: callBatches.receivedAt })
    .from(callBatches)
    .orderBy(callBatches.id)
    .limit(1)
    .for('update', { skipLocked: true });
  return row ? { ...row, receivedAt: new Date(row.receivedAt) } : undefined;
}

export async function deleteCallBatch(tx: Executor, id: number): Promise<void> {
  await tx.delete(callBatches).where(eq(callBatches.id, id));
}

export interface DetectionCallRow {
  id: string;
  startedAt: Date;
  sourceId: number;
  transcript: string | null;
  language: string | null;
  callingNumber: string | null;
  calledNumber: string | null;
  audioFingerprint: string | null;
  attestation: string | null;
  identityHeader: string | null;
  assignedBy: string | null;
  campaignId: string | null;
}

/**
 * The calls of a batch, each found by its primary key (its partition pruned at run time), with a
 * verdict an analyst may already have given. Index lookups whatever the planner thinks of the
 * tables' sizes: right after a bulk import their statistics say nothing yet (and autovacuum may be
 * off), and a hash join over a whole partition for 5,000 keys costs a hundred times more.
 */
export async function readBatchCalls(tx: Executor, batchId: number): Promise<DetectionCallRow[]> {
  await tx.execute(sql`set local enable_hashjoin = off`);
  await tx.execute(sql`set local enable_mergejoin = off`);
  const rows = await tx.execute<Record<string, unknown>>(sql`
    select c.id, c.started_at, c.source_id, c.transcript, c.language, c.calling_number, c.called_number,
           c.audio_fingerprint, c.attestation, c.identity_header, v.assigned_by, v.campaign_id
    from call_batches b
    cross join lateral unnest(b.call_ids, b.started_ats) as k(id, started_at)
    join calls c on c.started_at = k.started_at and c.id = k.id
    left join call_verdicts v on v.started_at = k.started_at and v.id = k.id
    where b.id = ${batchId}`);
  return rowsOf<Record<string, unknown>>(rows).map((r) => ({
    id: r.id as string,
    startedAt: new Date(r.started_at as string),
    sourceId: Number(r.source_id),
    transcript: r.transcript as string | null,
    language: r.language as string | null,
    callingNumber: r.calling_number as string | null,
    calledNumber: r.called_number as string | null,
    audioFingerprint: r.audio_fingerprint as string | null,
    attestation: r.attestation as string | null,
    identityHeader: r.identity_header as string | null,
    assignedBy: r.assigned_by as string | null,
    campaignId: r.campaign_id as string | null,
  }));
}

export interface CallAssignmentWrite {
  id: string;
  startedAt: Date;
  campaignId: string | null;
  similarity: number | null;
  callbackNumbers: string[];
  shakenStatus?: string | null;
  attestation?: string | null;
  signerOcn?: string | null;
}

/**
 * Writes the detector's verdicts on calls, one insert for the batch. A call without a campaign,
 * callback numbers or a verified header needs no row. A call an analyst placed keeps its verdict.
 */
export async function writeCallAssignments(tx: Executor, rows: CallAssignmentWrite[]): Promise<void> {
  const kept = rows.filter((r) => r.campaignId !== null || r.callbackNumbers.length > 0 || r.shakenStatus);
  if (!kept.length) return;
  await tx.execute(sql`
    insert into call_verdicts (id, started_at, campaign_id, assigned_by, similarity, callback_numbers, shaken_status, attestation, signer_ocn)
    select id, started_at, campaign_id, case when campaign_id is null then null else 'detector' end, similarity,
      string_to_array(coalesce(callbacks, ''), ' '), shaken_status, attestation, signer_ocn
    from unnest(
      ${listParam(
        kept.map((r) => r.id),
        'uuid',
      )},
      ${listParam(
        kept.map((r) => r.startedAt.toISOString()),
        'timestamptz',
      )},
      ${listParam(
        kept.map((r) => r.campaignId),
        'uuid',
      )},
      ${listParam(
        kept.map((r) => r.similarity),
        'float8',
      )},
      ${listParam(
        kept.map((r) => r.callbackNumbers.join(' ')),
        'text',
      )},
      ${listParam(
        kept.map((r) => r.shakenStatus ?? null),
        'text',
      )},
      ${listParam(
        kept.map((r) => r.attestation ?? null),
        'text',
      )},
      ${listParam(
        kept.map((r) => r.signerOcn ?? null),
        'text',
      )}
    ) as v(id, started_at, campaign_id, similarity, callbacks, shaken_status, attestation, signer_ocn)
    on conflict (started_at, id) do nothing`);
}

export interface NewDetectedCampaign {
  id: string;
  name: string;
  description: string;
  sampleTranscript: string | null;
  profile: Record<string, unknown>;
  at: Date;
}

export async function insertDetectedCampaigns(tx: Executor, rows: NewDetectedCampaign[]): Promise<void> {
  if (!rows.length) return;
  await tx.insert(campaigns).values(
    rows.map((r) => ({
      id: r.id,
      name: r.name,
      description: r.description,
      status: 'candidate' as const,
      origin: 'detected' as const,
      namedByAnalyst: false,
      profile: r.profile,
      sampleTranscript: r.sampleTranscript,
      createdAt: r.at,
      updatedAt: r.at,
    })),
  );
}

export interface CampaignCountsWrite {
  id: string;
  added: number;
  firstSeen: Date;
  lastSeen: Date;
}

/**
 * Adds calls to campaigns (count, first and last seen) and promotes a candidate to a campaign once
 * it has `minCalls` calls. Returns the ids promoted now. Profiles are written apart
 * (`writeCampaignProfiles`).
 */
export async function addCampaignCalls(
  tx: Executor,
  rows: CampaignCountsWrite[],
  minCalls: number,
  at: Date,
): Promise<string[]> {
  if (!rows.length) return [];
  const result = await tx.execute<{ id: string }>(sql`
    with v as (
      select * from unnest(
        ${listParam(
          rows.map((r) => r.id),
          'uuid',
        )},
        ${listParam(
          rows.map((r) => r.added),
          'int',
        )},
        ${listParam(
          rows.map((r) => r.firstSeen.toISOString()),
          'timestamptz',
        )},
        ${listParam(
          rows.map((r) => r.lastSeen.toISOString()),
          'timestamptz',
        )}
      ) as v(id, added, first_seen, last_seen)
    ),
    updated as (
      update campaigns c set
        call_count = c.call_count + v.added,
        first_seen_at = least(c.first_seen_at, v.first_seen),
        last_seen_at = greatest(c.last_seen_at, v.last_seen),
        status = case when c.status = 'candidate' and c.call_count + v.added >= ${minCalls} then 'active' else c.status end,
        updated_at = ${at.toISOString()}::timestamptz
      from v where c.id = v.id
      returning c.id, c.status, (c.call_count - v.added) as before
    )
    select id from updated where status = 'active' and before < ${minCalls}`);
  return rowsOf<{ id: string }>(result).map((r) => r.id);
}

/** Stores the detector's profiles of these clusters (merged ones keep none). */
export async function writeCampaignProfiles(
  tx: Executor,
  rows: Array<{ id: string; profile: Record<string, unknown> }>,
): Promise<void> {
  if (!rows.length) return;
  await tx.execute(sql`
    update campaigns c set profile = v.profile
    from unnest(
      ${sql.param(rows.map((r) => r.id))}::uuid[],
      ${sql.param(rows.map((r) => JSON.stringify(r.profile)))}::jsonb[]
    ) as v(id, profile)
    where c.id = v.id and c.status <> 'merged'`);
}

export interface VolumeWrite {
  campaignId: string;
  sourceId: number;
  hour: Date;
  calls: number;
  signedA: number;
  signed: number;
}

export async function addCampaignVolume(tx: Executor, rows: VolumeWrite[]): Promise<void> {
  if (!rows.length) return;
  await tx.execute(sql`
    insert into campaign_volume (campaign_id, source_id, hour, calls, signed_a, signed)
    select * from unnest(
      ${listParam(
        rows.map((r) => r.campaignId),
        'uuid',
      )},
      ${listParam(
        rows.map((r) => r.sourceId),
        'int',
      )},
      ${listParam(
        rows.map((r) => r.hour.toISOString()),
        'timestamptz',
      )},
      ${listParam(
        rows.map((r) => r.calls),
        'int',
      )},
      ${listParam(
        rows.map((r) => r.signedA),
        'int',
      )},
      ${listParam(
        rows.map((r) => r.signed),
        'int',
      )}
    )
    on conflict (campaign_id, hour, source_id) do update set
      calls = campaign_volume.calls + excluded.calls,
      signed_a = campaign_volume.signed_a + excluded.signed_a,
      signed = campaign_volume.signed + excluded.signed`);
}

export interface NumberWrite {
  campaignId: string;
  role: 'caller' | 'callback';
  number: string;
  calls: number;
  firstSeen: Date;
  lastSeen: Date;
}

export async function addCampaignNumbers(tx: Executor, rows: NumberWrite[]): Promise<void> {
  if (!rows.length) return;
  await tx.execute(sql`
    insert into campaign_numbers (campaign_id, role, number, calls, first_seen_at, last_seen_at)
    select * from unnest(
      ${listParam(
        rows.map((r) => r.campaignId),
        'uuid',
      )},
      ${listParam(
        rows.map((r) => r.role),
        'text',
      )},
      ${listParam(
        rows.map((r) => r.number),
        'text',
      )},
      ${listParam(
        rows.map((r) => r.calls),
        'int',
      )},
      ${listParam(
        rows.map((r) => r.firstSeen.toISOString()),
        'timestamptz',
      )},
      ${listParam(
        rows.map((r) => r.lastSeen.toISOString()),
        'timestamptz',
      )}
    )
    on conflict (campaign_id, role, number) do update set
      calls = campaign_numbers.calls + excluded.calls,
      first_seen_at = least(campaign_numbers.first_seen_at, excluded.first_seen_at),
      last_seen_at = greatest(campaign_numbers.last_seen_at, excluded.last_seen_at)`);
}

/**
 * Folds one campaign into another: its calls, rollups, numbers and tracebacks move to `keepId`, and
 * it stays as a pointer (`merged`). Calls an analyst placed move too: the merge is itself a decision.
 */
export async function mergeCampaignRows(
  tx: Executor,
  keepId: string,
  absorbId: string,
  keepProfile: Record<string, unknown> | null,
  at: Date,
  /** A candidate that reaches this many calls with the merge becomes a campaign. */
  minCalls = Number.MAX_SAFE_INTEGER,
): Promise<void> {
  await tx.execute(sql`update call_verdicts set campaign_id = ${keepId} where campaign_id = ${absorbId}`);
  await tx.execute(sql`update tracebacks set campaign_id = ${keepId} where campaign_id = ${absorbId}`);
  await tx.execute(sql`
    insert into campaign_volume (campaign_id, source_id, hour, calls, signed_a, signed)
    select ${keepId}, source_id, hour, calls, signed_a, signed from campaign_volume where campaign_id = ${absorbId}
    on conflict (campaign_id, hour, source_id) do update set
      calls = campaign_volume.calls + excluded.calls,
      signed_a = campaign_volume.signed_a + excluded.signed_a,
      signed = campaign_volume.signed + excluded.signed`);
  await tx.execute(sql`delete from campaign_volume where campaign_id = ${absorbId}`);
  await tx.execute(sql`
    insert into campaign_numbers (campaign_id, role, number, calls, first_seen_at, last_seen_at)
    select ${keepId}, role, number, calls, first_seen_at, last_seen_at from campaign_numbers where campaign_id = ${absorbId}
    on conflict (campaign_id, role, number) do update set
      calls = campaign_numbers.calls + excluded.calls,
      first_seen_at = least(campaign_numbers.first_seen_at, excluded.first_seen_at),
      last_seen_at = greatest(campaign_numbers.last_seen_at, excluded.last_seen_at)`);
  await tx.execute(sql`delete from campaign_numbers where campaign_id = ${absorbId}`);
  await tx.execute(sql`
    update campaigns k set
      call_count = k.call_count + a.call_count,
      first_seen_at = least(k.first_seen_at, a.first_seen_at),
      last_seen_at = greatest(k.last_seen_at, a.last_seen_at),
      profile = coalesce(${keepProfile ? JSON.stringify(keepProfile) : null}::jsonb, k.profile),
      kept_apart = array(select distinct unnest(k.kept_apart || a.kept_apart)),
      status = case when k.status = 'candidate' and k.call_count + a.call_count >= ${minCalls} then 'active' else k.status end,
      updated_at = ${at.toISOString()}::timestamptz
    from campaigns a where k.id = ${keepId} and a.id = ${absorbId}`);
  await tx.execute(sql`
    update campaigns set status = 'merged', merged_into_id = ${keepId}, profile = null, call_count = 0,
      updated_at = ${at.toISOString()}::timestamptz
    where id = ${absorbId}`);
  // Campaigns kept apart from the absorbed one are kept apart from the one that took its calls.
  await tx.execute(sql`
    update campaigns set kept_apart = array(select distinct unnest(kept_apart || array[${keepId}::uuid]))
    where ${absorbId} = any(kept_apart) and id <> ${keepId}`);
}

/**
 * Claims the run of a scheduled job under `key` for one `slot` (a period's name, such as its start as
 * ISO text): true for exactly one caller per slot, however many workers ask.
 */
export async function claimScheduledRun(db: Executor, key: string, slot: string, at: Date): Promise<boolean> {
  const result = await db.execute(sql`
    insert into settings (key, value, updated_at) values (${key}, ${JSON.stringify({ slot })}::jsonb, ${at.toISOString()}::timestamptz)
    on conflict (key) do update set value = excluded.value, updated_at = excluded.updated_at
      where settings.value->>'slot' is distinct from ${slot}
    returning key`);
  return rowsOf(result).length === 1;
}
