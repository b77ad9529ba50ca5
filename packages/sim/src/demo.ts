import type { TRole } from '@hoptrace/contracts';
import {
  actorFor,
  createAgency,
  createUser,
  updateAgency,
  generatePassword,
  referTraceback,
  ManualClock,
  systemActor,
  type CommandContext,
  type CoreSettings,
} from '@hoptrace/core';
import { countUsers, listProviders, listTracebacks, type Db } from '@hoptrace/db';
import { generateCalls, type CallSet, type CdrRecord } from './calls';
import { addContacts, loadNetwork } from './load';
import { buildNetwork } from './network';
import { Random } from './random';
import { runScenario, summarize } from './scenario';
import { createSimShaken, createSimVerifier, type SimShaken } from './shaken';
import { loadDemoCalls, type DemoCallsOptions, type DemoCallsResult } from './demoCalls';

const DAY = 86_400_000;
/** The demo network's seed: the demo server rebuilds the same simulated STI-CA from it. */
export const DEMO_SEED = 20261123;
/** The demo enforcement user's agency (fictional). */
export const DEMO_AGENCY = 'State AG Robocall Unit (demo)';

/**
 * The demo's agencies directory: its own fictional unit first, then public bodies that really take robocall
 * referrals (as agencies only; every robocall source in the demo is fictional). Contacts are fictional addresses.
 */
export const DEMO_AGENCIES = [
  {
    name: DEMO_AGENCY,
    kind: 'state',
    jurisdiction: 'Demo State',
    contacts: [
      { name: 'Robocall Unit desk', email: 'robocalls@ag.agency.example', escalation: false },
      { name: 'Duty investigator', email: 'duty@ag.agency.example', escalation: true },
    ],
  },
  {
    name: 'Federal Communications Commission, Enforcement Bureau',
    kind: 'federal',
    jurisdiction: 'United States',
    contacts: [
      {
        name: 'Telecommunications Consumers Division (demo)',
        email: 'tcd@fcc.agency.example',
        escalation: true,
      },
    ],
  },
  {
    name: 'Federal Trade Commission',
    kind: 'federal',
    jurisdiction: 'United States',
    contacts: [
      { name: 'Do Not Call enforcement (demo)', email: 'dnc@ftc.agency.example', escalation: false },
    ],
  },
  {
    name: 'Ohio Attorney General',
    kind: 'state',
    jurisdiction: 'Ohio',
    contacts: [
      {
        name: 'Robocall Enforcement Unit (demo)',
        email: 'robocalls@ohioag.agency.example',
        escalation: false,
      },
    ],
  },
] as const satisfies ReadonlyArray<{
  name: string;
  kind: 'federal' | 'state' | 'local';
  jurisdiction: string;
  contacts: ReadonlyArray<{ name: string; email: string; escalation: boolean }>;
}>;

const demoPkis = new Map<number, SimShaken>();

/** The demo's simulated STIR/SHAKEN PKI (same keys and certificates on every run; built once per process). */
export function demoShaken(seed = DEMO_SEED): SimShaken {
  let sim = demoPkis.get(seed);
  if (!sim) {
    sim = createSimShaken(buildNetwork({ seed }));
    demoPkis.set(seed, sim);
  }
  return sim;
}
const HOUR = 3_600_000;

export interface DemoOptions {
  db: Db;
  settings?: CoreSettings;
  /** The present; the history runs over the six months before it. */
  now?: Date;
  tracebacks?: number;
  seed?: number;
  print?: (line: string) => void;
  /** Sign the simulated calls (STIR/SHAKEN) so tracebacks open with Identity headers (default true). */
  signCalls?: boolean;
  /** The deployment's own first admin (HOPTRACE_ADMIN_EMAIL / _PASSWORD), used instead of the demo admin. */
  admin?: { email?: string | undefined; password?: string | undefined };
  /** Honeypot call records of the last two weeks, grouped by campaign detection (default 6,000; 0: none). */
  honeypotCalls?: number;
  /** Progress while it loads: a short line now and then (the summary still goes to `print` at the end). */
  progress?: (line: string) => void;
}

export interface DemoResult {
  /** What campaign intelligence made of the demo's honeypot feeds (absent when none were loaded). */
  calls?: DemoCallsResult | null;
  loaded: boolean;
  ms: number;
  credentials: Array<{ role: TRole; email: string; password: string; provider?: string }>;
  outcomes: Record<string, number>;
}

/** True when nobody has used the database yet: no users and no providers. */
export async function isEmptyDatabase(db: Db): Promise<boolean> {
  if ((await countUsers(db)) > 0) return false;
  return (await listProviders(db, { limit: 1 })).items.length === 0;
}

/**
 * Loads six months of simulated history into an empty database through the core commands,
 * with a manual clock walking through time so every timeline and deadline is real: a few
 * dozen fictional providers, campaigns, a couple of hundred tracebacks in every outcome (the
 * latest still open), and a user for each role whose credentials are printed once.
 */
export async function loadDemo(opts: DemoOptions): Promise<DemoResult> {
  const started = Date.now();
  // One transaction for the whole history (the commands' own transactions become savepoints): the
  // embedded database commits once instead of thousands of times, and a failed load leaves it empty.
  const result = await opts.db.transaction((tx) => loadHistory({ ...opts, db: tx }));
  if (result.loaded) {
    const print = opts.print ?? (() => {});
    // Call records after the history commits: imports write through their own connection (COPY).
    if (result.next && opts.honeypotCalls !== 0)
      opts.progress?.(
        `demo: importing ${(opts.honeypotCalls ?? 6000).toLocaleString('en-US')} honeypot call records and detecting campaigns`,
      );
    const calls =
      result.next && opts.honeypotCalls !== 0
        ? await loadDemoCalls({ ...result.next, db: opts.db, count: opts.honeypotCalls })
        : null;
    const ms = Date.now() - started;
    print(result.lines[0]!.replace('{seconds}', (ms / 1000).toFixed(1)));
    for (const line of calls?.lines ?? []) print(line);
    for (const line of result.lines.slice(1)) print(line);
    return { loaded: true, ms, credentials: result.credentials, outcomes: result.outcomes, calls };
  }
  return { loaded: false, ms: 0, credentials: [], outcomes: {} };
}

async function loadHistory(
  opts: DemoOptions,
): Promise<Omit<DemoResult, 'ms'> & { lines: string[]; next?: Omit<DemoCallsOptions, 'db'> }> {
  if (!(await isEmptyDatabase(opts.db))) return { loaded: false, credentials: [], outcomes: {}, lines: [] };
  const now = opts.now ?? new Date();
  const from = new Date(now.getTime() - 182 * DAY);
  const clock = new ManualClock(from);
  const system: CommandContext = { db: opts.db, clock, actor: systemActor('demo'), settings: opts.settings };
  const credentials: DemoResult['credentials'] = [];
  // The agencies directory: the demo's own (fictional) unit, and public bodies as agencies (never as sources).
  // Their contacts are added at the end, so the history's referrals send no mail.
  const agencies = [];
  for (const a of DEMO_AGENCIES)
    agencies.push(
      await createAgency({
        ...system,
        input: { name: a.name, kind: a.kind, jurisdiction: a.jurisdiction, contacts: [] },
      }),
    );
  const demoAgencyId = agencies[0]!.id;

  const person = async (
    role: TRole,
    email: string,
    name: string,
    providerId?: string,
    provider?: string,
    given?: string,
  ) => {
    const password = given ?? generatePassword();
    const user = await createUser({
      ...system,
      input: {
        email,
        name,
        role,
        password,
        ...(providerId ? { providerId } : {}),
        // An enforcement user acts for an agency (a fictional one in the demo).
        ...(role === 'enforcement' ? { agencyId: demoAgencyId } : {}),
      },
    });
    // A password the operator chose is theirs; only generated ones are printed.
    credentials.push({
      role,
      email,
      password: given ? '(as configured)' : password,
      ...(provider ? { provider } : {}),
    });
    return user;
  };
  await person(
    'admin',
    opts.admin?.email ?? 'admin@hoptrace.local',
    'Administrator',
    undefined,
    undefined,
    opts.admin?.password,
  );
  const analyst = actorFor(await person('analyst', 'analyst@hoptrace.local', 'Demo Analyst'), 'portal');
  await person('enforcement', 'enforcement@agency.example', 'Demo Enforcement Officer');

  const network = buildNetwork({ seed: opts.seed ?? DEMO_SEED });
  // Calls are signed by the simulated STI-CA's certificates; without a verifier of its own the
  // deployment gets one that trusts that CA (the server passes one that also knows its real anchors).
  const sim = demoShaken(opts.seed ?? DEMO_SEED);
  const settings: CoreSettings = {
    ...opts.settings,
    shaken: { ...opts.settings?.shaken, verifier: opts.settings?.shaken?.verifier ?? createSimVerifier(sim) },
  };
  system.settings = settings;
  const loaded = await loadNetwork(system, network);
  // A few provider desks a visitor can log in as: the terminating provider that gets the first hop,
  // an intermediate in the middle of paths, and an originating provider.
  for (const kind of ['terminating', 'intermediate', 'originating'] as const) {
    const p = network.providers.find((x) => x.kind === kind && x.answerMode !== 'never')!;
    await person(
      'provider',
      `demo@${p.email.split('@')[1]}`,
      `${p.name} demo user`,
      loaded.providers.get(p.key)!.id,
      p.name,
    );
  }

  const history = generateCalls(network, {
    count: opts.tracebacks ?? 200,
    from,
    to: new Date(now.getTime() - 2 * HOUR),
  });
  // A few calls of the last day, so some tracebacks are still open when the visitor arrives.
  const recent = generateCalls(network, {
    count: 12,
    from: new Date(now.getTime() - 30 * HOUR),
    to: new Date(now.getTime() - 2 * HOUR),
    backgroundPerProvider: 0,
    seed: (opts.seed ?? DEMO_SEED) + 5,
  });
  const callSet: CallSet = {
    calls: [...history.calls, ...recent.calls.map((c) => ({ ...c, id: `recent-${c.id}` }))],
    records: new Map(
      [...history.records].map(([k, list]): [string, CdrRecord[]] => [
        k,
        [...list, ...(recent.records.get(k) ?? [])],
      ]),
    ),
  };
  const rnd = new Random((opts.seed ?? DEMO_SEED) + 11);
  const result = await runScenario({
    db: opts.db,
    clock,
    settings,
    network,
    loaded,
    callSet,
    analyst,
    ...(opts.signCalls === false ? {} : { shaken: sim }),
    // Calls come in from honeypots and complaints within hours to a few days.
    openAt: (call) =>
      new Date(
        Math.min(now.getTime() - HOUR, call.startedAt.getTime() + rnd.logUniform(1 * HOUR, 72 * HOUR)),
      ),
    until: now,
    cancelShare: 0.03,
    ...(opts.progress
      ? {
          onOpened: (n: number, total: number) => {
            if (n % 50 === 0 || n === total) opts.progress!(`demo: ${n} of ${total} tracebacks played`);
          },
        }
      : {}),
  });
  clock.set(now);
  // The agency has a few finished tracebacks to read: the latest that found their origin are referred to it.
  const found = await listTracebacks(
    opts.db,
    { status: 'closed', outcome: 'origin_identified' },
    { limit: 5 },
  );
  for (const t of found.items)
    await referTraceback({
      ...system,
      actor: analyst,
      tracebackId: t.id,
      input: { agencyIds: [demoAgencyId], note: 'Origin identified; referred for enforcement (demo).' },
    });
  for (const [i, a] of DEMO_AGENCIES.entries())
    await updateAgency({
      ...system,
      agencyId: agencies[i]!.id,
      input: { contacts: a.contacts.map((c) => ({ ...c })) },
    });
  // Contacts only now, so the history sends no mail; from here on providers hear of their hops.
  await addContacts(system, network, loaded);
  const summary = summarize(result);
  const lines = [
    `Loaded the demo history in {seconds} s: ${network.providers.length} fictional providers, ${network.campaigns.length} campaigns, ${summary.tracebacks} tracebacks (${Object.entries(
      summary.outcomes,
    )
      .map(([k, v]) => `${v} ${k.replace(/_/g, ' ')}`)
      .join(', ')}).`,
    'Demo users (passwords shown once):',
    ...credentials.map(
      (c) => `  ${c.role.padEnd(11)} ${c.email}  ${c.password}${c.provider ? `  (${c.provider})` : ''}`,
    ),
    `The enforcement user acts for "${DEMO_AGENCY}", to which ${found.items.length} closed tracebacks are referred.`,
  ];
  return {
    loaded: true,
    credentials,
    outcomes: summary.outcomes,
    lines,
    next: {
      now,
      network,
      loaded,
      analyst,
      settings,
      ...(opts.signCalls === false ? {} : { shaken: sim }),
      seed: (opts.seed ?? DEMO_SEED) + 29,
    },
  };
}
