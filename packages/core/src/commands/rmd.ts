import {
  allRmdFilings,
  appendRmdChanges,
  countRmdImports,
  decideRmdProposal,
  directoryForMatching,
  insertProvider,
  insertRmdFilings,
  insertRmdImport,
  insertRmdProposals,
  lockRmd,
  lockRmdFiling,
  lockRmdProposal,
  providersOfRmdFiling,
  rmdLinks,
  touchRmdFilings,
  updateRmdFiling,
  upsertRmdLink,
  type ProviderRow,
  type RmdChangeInsert,
  type RmdFilingRow,
} from '@hoptrace/db';
import type { TRmdFilingToProvider } from '@hoptrace/contracts';
import {
  createProviderMatcher,
  diffRmd,
  parseRmdCsv,
  parseRmdFile,
  type CsvInput,
  type CsvProgress,
  type RmdField,
  type RmdFiling,
  type RmdParseResult,
} from '@hoptrace/registry';
import { audit } from '../audit';
import { noticeContactsWelcome } from '../notify/notices';
import type { CommandContext } from '../context';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import { authorize, policy } from '../policies';
import { DEFAULT_PROVIDER_TIMEZONE } from './providers';

export interface RmdImportReport {
  importId: string;
  keyedBy: 'filingNumber' | 'frn';
  stats: {
    rows: number;
    records: number;
    added: number;
    changed: number;
    removed: number;
    unchanged: number;
    notCompared: number;
    linked: number;
    proposed: number;
    rowProblems: number;
  };
  /** Row problems as the parser reported them (errors left the row out; warnings kept it). */
  rowProblems: RmdParseResult['rowProblems'];
  elapsedMs: number;
}

const filingOf = (row: RmdFilingRow): RmdFiling => row.data as unknown as RmdFiling;

/**
 * Merges a newer export's view of a filing into the stored one: only the fields this export
 * carries, so the 7-column listing does not erase provider types or the filing number.
 */
function merge(stored: RmdFiling, next: RmdFiling, fields: readonly RmdField[]): RmdFiling {
  const out: RmdFiling = {
    ...stored,
    providerTypes: { ...stored.providerTypes },
    contact: { ...stored.contact },
  };
  const has = new Set(fields);
  const copy = <K extends keyof RmdFiling>(k: K) => {
    if (has.has(k as RmdField)) out[k] = next[k];
  };
  for (const k of [
    'filingNumber',
    'frn',
    'businessName',
    'dbaNames',
    'previousDbaNames',
    'otherFrns',
    'address',
    'country',
    'foreignProvider',
    'implementation',
    'lastUpdated',
    'filingUrl',
  ] as const)
    copy(k);
  if (has.has('voice')) out.providerTypes.voice = next.providerTypes.voice;
  if (has.has('gateway')) out.providerTypes.gateway = next.providerTypes.gateway;
  if (has.has('intermediate')) out.providerTypes.intermediate = next.providerTypes.intermediate;
  if ([...has].some((f) => f.startsWith('contact'))) out.contact = next.contact;
  out.line = next.line;
  return out;
}

const columnsOf = (f: RmdFiling) => ({
  filingNumber: f.filingNumber,
  frn: f.frn,
  businessName: f.businessName,
  implementation: f.implementation,
  data: f as unknown as Record<string, unknown>,
});

/**
 * Imports an RMD export: parses it (a refused file changes nothing), diffs it against the stored
 * filings, and in ONE transaction records added, changed and removed filings (removed with the date
 * noticed), links strong matches to directory providers and proposes weak ones to an admin.
 */
export async function importRmd(
  ctx: CommandContext & {
    input: { file: string } | { stream: CsvInput; totalBytes?: number | null };
    fileName?: string | undefined;
    /** When the export was taken; defaults to now. */
    noticedAt?: Date | undefined;
    onProgress?: (progress: CsvProgress) => void;
  },
): Promise<RmdImportReport> {
  const { db, clock, actor } = ctx;
  authorize(policy.importRmd(actor), 'route');
  const started = performance.now();
  const progress = ctx.onProgress ? { onProgress: ctx.onProgress } : {};
  const parsed =
    'file' in ctx.input
      ? await parseRmdFile(ctx.input.file, progress)
      : await parseRmdCsv(ctx.input.stream, { ...progress, totalBytes: ctx.input.totalBytes ?? null });
  if (!parsed.ok || !parsed.shape) {
    const errors = parsed.fileProblems.map((p) => ({
      path: p.line === null ? 'file' : `file.line.${p.line}`,
      message: p.message,
    }));
    throw new InvalidInputError(
      `the file was refused, nothing was imported: ${errors.map((e) => e.message).join('; ')}`,
      errors,
    );
  }
  const shape = parsed.shape;
  const fields = Object.keys(shape.columns) as RmdField[];
  const now = clock.now();
  const noticedAt = ctx.noticedAt ?? now;

  return db.transaction(async (tx) => {
    await lockRmd(tx);
    const baseline = (await countRmdImports(tx)) === 0;
    const stored = await allRmdFilings(tx);
    const live = stored.filter((r) => r.removedAt === null);
    const rowOf = new Map<RmdFiling, RmdFilingRow>(live.map((r) => [filingOf(r), r]));
    const diff = diffRmd(
      live.map((r) => filingOf(r)),
      parsed.records,
      { keyedBy: shape.keyedBy, fields },
    );
    const keyOf = (f: RmdFiling) => (diff.keyedBy === 'frn' ? f.frn : f.filingNumber) ?? '';

    const imp = await insertRmdImport(tx, {
      fileName: ctx.fileName ?? ('file' in ctx.input ? ctx.input.file.split('/').pop() : null) ?? null,
      keyedBy: diff.keyedBy,
      columns: shape.columns,
      rows: parsed.stats.rows,
      records: parsed.records.length,
      added: diff.added.length,
      changed: diff.changed.length,
      removed: diff.removed.length,
      unchanged: diff.unchanged,
      rowProblems: parsed.rowProblems.length,
      noticedAt,
      importedAt: now,
      importedBy: actor.userId,
    });
    const changes: RmdChangeInsert[] = [];

    // A filing that comes back after a removal is the same filing again, not a new one.
    const removedByKey = new Map<string, RmdFilingRow>();
    for (const r of stored) if (r.removedAt !== null) removedByKey.set(keyOf(filingOf(r)), r);
    const fresh: RmdFiling[] = [];
    for (const f of diff.added) {
      const back = removedByKey.get(keyOf(f));
      if (back) {
        await updateRmdFiling(tx, back.id, {
          ...columnsOf(merge(filingOf(back), f, fields)),
          removedAt: null,
          lastSeenAt: noticedAt,
        });
        changes.push({
          importId: imp.id,
          filingId: back.id,
          key: keyOf(f),
          kind: 'added',
          fields: [],
          at: noticedAt,
        });
      } else fresh.push(f);
    }
    const inserted = await insertRmdFilings(
      tx,
      fresh.map((f) => ({
        ...columnsOf(f),
        inBaseline: baseline,
        firstSeenAt: noticedAt,
        lastSeenAt: noticedAt,
      })),
    );
    inserted.forEach((row, i) =>
      changes.push({
        importId: imp.id,
        filingId: row.id,
        key: keyOf(fresh[i] ?? filingOf(row)),
        kind: 'added',
        fields: [],
        at: noticedAt,
      }),
    );
    const seenIds: string[] = [];
    const nowFilings = new Map<string, { id: string; filing: RmdFiling }>();
    for (const row of inserted) nowFilings.set(row.id, { id: row.id, filing: filingOf(row) });
    for (const c of diff.changed) {
      const row = rowOf.get(c.before);
      if (!row) throw new Error(`changed filing ${c.key} is not a stored filing`);
      const merged = merge(c.before, c.after, fields);
      await updateRmdFiling(tx, row.id, { ...columnsOf(merged), lastSeenAt: noticedAt });
      changes.push({
        importId: imp.id,
        filingId: row.id,
        key: c.key,
        kind: 'changed',
        fields: c.fields,
        at: noticedAt,
      });
      nowFilings.set(row.id, { id: row.id, filing: merged });
    }
    const removedIds = new Set<string>();
    for (const f of diff.removed) {
      const row = rowOf.get(f);
      if (!row) throw new Error(`removed filing ${keyOf(f)} is not a stored filing`);
      await updateRmdFiling(tx, row.id, { removedAt: noticedAt });
      removedIds.add(row.id);
      changes.push({
        importId: imp.id,
        filingId: row.id,
        key: keyOf(f),
        kind: 'removed',
        fields: [],
        at: noticedAt,
      });
    }
    for (const r of live)
      if (!removedIds.has(r.id) && !nowFilings.has(r.id)) {
        seenIds.push(r.id);
        nowFilings.set(r.id, { id: r.id, filing: filingOf(r) });
      }
    await touchRmdFilings(tx, seenIds, noticedAt);
    await appendRmdChanges(tx, changes);

    // Link strong matches; propose weak ones (never linked silently). A provider already linked
    // keeps its link unless a strong match names another filing.
    const matcher = createProviderMatcher(await directoryForMatching(tx));
    const links = new Map((await rmdLinks(tx)).map((l) => [l.providerId, l]));
    let linked = 0;
    const proposals: Array<{ filingId: string; providerId: string; score: number; reasons: unknown[] }> = [];
    for (const { id, filing } of nowFilings.values()) {
      for (const m of matcher.match(filing)) {
        if (m.strength === 'strong') {
          const current = links.get(m.providerId);
          if (current?.filingId === id) continue;
          await upsertRmdLink(tx, {
            providerId: m.providerId,
            filingId: id,
            strength: 'strong',
            reasons: m.reasons,
            linkedAt: now,
            linkedBy: actor.userId,
          });
          links.set(m.providerId, {
            providerId: m.providerId,
            filingId: id,
            strength: 'strong',
            reasons: m.reasons,
            linkedAt: now,
            linkedBy: actor.userId,
          });
          linked++;
        } else if (!links.has(m.providerId))
          proposals.push({ filingId: id, providerId: m.providerId, score: m.score, reasons: m.reasons });
      }
    }
    await insertRmdProposals(
      tx,
      proposals.map((p) => ({ ...p, importId: imp.id, createdAt: now })),
    );
    await audit(tx, ctx, {
      action: 'rmd.imported',
      subject: 'rmd',
      subjectId: imp.id,
      details: {
        fileName: ctx.fileName ?? null,
        records: parsed.records.length,
        added: diff.added.length,
        changed: diff.changed.length,
        removed: diff.removed.length,
        linked,
        proposed: proposals.length,
      },
    });

    return {
      importId: imp.id,
      keyedBy: diff.keyedBy,
      stats: {
        rows: parsed.stats.rows,
        records: parsed.records.length,
        added: diff.added.length,
        changed: diff.changed.length,
        removed: diff.removed.length,
        unchanged: diff.unchanged,
        notCompared: diff.notCompared.length,
        linked,
        proposed: proposals.length,
        rowProblems: parsed.rowProblems.length,
      },
      rowProblems: parsed.rowProblems,
      elapsedMs: performance.now() - started,
    };
  });
}

/** An admin accepts a weak match (the provider is linked to the filing) or rejects it. */
export async function decideRmdMatch(
  ctx: CommandContext & { proposalId: string; decision: 'accept' | 'reject' },
): Promise<{ id: string; status: 'accepted' | 'rejected' }> {
  const { db, clock, actor } = ctx;
  authorize(policy.importRmd(actor), 'route');
  const now = clock.now();
  return db.transaction(async (tx) => {
    const proposal = await lockRmdProposal(tx, ctx.proposalId);
    if (!proposal) throw new NotFoundError('RMD match proposal');
    if (proposal.status !== 'pending') throw new ConflictError(`the proposal was already ${proposal.status}`);
    const status = ctx.decision === 'accept' ? 'accepted' : 'rejected';
    await decideRmdProposal(tx, proposal.id, { status, decidedAt: now, decidedBy: actor.userId });
    if (status === 'accepted')
      await upsertRmdLink(tx, {
        providerId: proposal.providerId,
        filingId: proposal.filingId,
        strength: 'confirmed',
        reasons: proposal.reasons,
        linkedAt: now,
        linkedBy: actor.userId,
      });
    await audit(tx, ctx, {
      action: status === 'accepted' ? 'rmd.match_accepted' : 'rmd.match_rejected',
      subject: 'provider',
      subjectId: proposal.providerId,
      details: { proposalId: proposal.id, filingId: proposal.filingId },
    });
    return { id: proposal.id, status };
  });
}

/** English country names (as the RMD files them) to ISO 3166 codes, from the runtime's own region names. */
let countryCodes: Map<string, string> | undefined;
function countryCodeOf(name: string): string | undefined {
  if (!countryCodes) {
    countryCodes = new Map([
      ['united states of america', 'US'],
      ['usa', 'US'],
    ]);
    const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
    for (let a = 65; a <= 90; a++)
      for (let b = 65; b <= 90; b++) {
        const code = String.fromCharCode(a, b);
        const n = names.of(code);
        if (n) countryCodes.set(n.toLowerCase(), code);
      }
  }
  const key = name.trim().toLowerCase();
  return /^[a-z]{2}$/.test(key) ? key.toUpperCase() : countryCodes.get(key);
}

/**
 * Staff add an RMD filer to the directory in one step (issue 19.4): the record takes the filing's
 * name, DBA names, FRN, filing number, country and (when the filing has an email) its contact, and is
 * linked to the filing (`confirmed`: a person chose it). A filing already in the directory is a
 * conflict naming the record; a removed filing can still be added (its removal shows on the record).
 */
export async function createProviderFromRmdFiling(
  ctx: CommandContext & { filingId: string; input: TRmdFilingToProvider },
): Promise<ProviderRow> {
  const { db, actor, clock, input } = ctx;
  authorize(policy.addProviderFromRmd(actor), 'route');
  const now = clock.now();
  return db.transaction(async (tx) => {
    const row = await lockRmdFiling(tx, ctx.filingId);
    if (!row) throw new NotFoundError('RMD filing');
    const existing = await providersOfRmdFiling(tx, row);
    if (existing[0])
      throw new ConflictError(
        `this filing is already in the directory as ${existing[0].name} (${existing[0].id})`,
      );
    const f = filingOf(row);
    const country = input.country ?? (f.country ? countryCodeOf(f.country) : 'US');
    if (!country)
      throw InvalidInputError.field(
        'country',
        `the filing's country "${f.country ?? ''}" is not one we know; give its two-letter code`,
      );
    const name = (row.businessName ?? f.dbaNames[0] ?? '').trim();
    if (!name) throw InvalidInputError.field('filingId', 'the filing names no business to add');
    const contact = f.contact;
    const contacts =
      input.contacts ??
      (contact?.email
        ? [
            {
              name: (contact.name ?? name).slice(0, 200),
              email: contact.email,
              ...(contact.phone ? { phone: contact.phone.slice(0, 40) } : {}),
            },
          ]
        : []);
    const dbaNames = [
      ...new Set([...(f.dbaNames ?? [])].map((d) => d.trim()).filter((d) => d && d !== name)),
    ];
    const provider = await insertProvider(tx, {
      name: name.slice(0, 300),
      dbaNames: dbaNames.slice(0, 50).map((d) => d.slice(0, 300)),
      country,
      ocns: [...new Set(input.ocns ?? [])],
      frn: row.frn,
      rmdNumber: row.filingNumber,
      timezone: input.timezone ?? DEFAULT_PROVIDER_TIMEZONE,
      contacts,
      verified: input.verified ?? true,
      createdBy: actor.userId,
    });
    await upsertRmdLink(tx, {
      providerId: provider.id,
      filingId: row.id,
      strength: 'confirmed',
      reasons: [{ kind: 'created_from_filing' }],
      linkedAt: now,
      linkedBy: actor.userId,
    });
    await noticeContactsWelcome(tx, { provider, now });
    await audit(tx, ctx, {
      action: 'provider.created_from_rmd',
      subject: 'provider',
      subjectId: provider.id,
      details: {
        name: provider.name,
        filingId: row.id,
        filingNumber: row.filingNumber,
        frn: row.frn,
        verified: provider.verified,
      },
    });
    return provider;
  });
}
