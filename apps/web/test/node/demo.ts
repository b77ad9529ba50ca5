import {
  actOnTraceback,
  actorFor,
  answerHop,
  createAgency,
  createCampaign,
  createProvider,
  createUser,
  HOUR_MS,
  ManualClock,
  markNonResponsive,
  openTraceback,
  systemActor,
  type Actor,
} from '@hoptrace/core';
import {
  ZAgencyCreate,
  ZCampaignCreate,
  ZHopAnswer,
  ZProviderCreate,
  ZTracebackAction,
  ZTracebackOpen,
  ZUserCreate,
  type TOutcome,
} from '@hoptrace/contracts';
import { findUser, hopsOf, type Db } from '@hoptrace/db';
import type { Demo, DemoProvider, DemoUser } from '../support/portal';

export type { Demo, DemoUser };

/**
 * Fictional demo data for the browser tests, the screenshots and the
 * dashboard timing: providers and users, campaigns, and tracebacks spread
 * over the past weeks with every ending. Numbers are 555-01XX; every name is
 * invented. Deterministic for a given `now`.
 */

export const PASSWORD = 'demo-password-0123';

export const PROVIDER_NAMES = [
  'Bluegill Telecom',
  'Cedar Hollow Voice',
  'Kestrel Line Networks',
  'Harborlight Communications',
  'Quillfeather Carrier Services',
  'Marigold Wholesale Voice',
  'Tumbleweed Gateway',
  'Foxglove Telephony',
  'Saltmarsh VoIP',
  'Juniper Ridge Dialtone',
] as const;

const AREA = ['202', '312', '415', '512', '617', '702', '808', '919'];

/** A small deterministic generator: the same demo every run. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1_664_525 + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

async function user(db: Db, clock: ManualClock, input: Record<string, unknown>): Promise<DemoUser> {
  const row = await createUser({
    db,
    clock,
    actor: systemActor('demo'),
    input: ZUserCreate.parse({ password: PASSWORD, ...input }),
  });
  return { id: row.id, email: row.email, password: PASSWORD };
}

export async function seedDemo(
  db: Db,
  opts: { now?: Date; tracebacks?: number; weeks?: number; emailDomain?: string } = {},
): Promise<Demo> {
  const now = opts.now ?? new Date();
  const weeks = opts.weeks ?? 10;
  const count = opts.tracebacks ?? 40;
  const domain = opts.emailDomain ?? 'example.test';
  const random = rng(4242);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const clock = new ManualClock(new Date(now.getTime() - (weeks * 7 + 1) * 24 * HOUR_MS));
  const system = { db, clock, actor: systemActor('demo') };

  const admin = await user(db, clock, { email: `admin@${domain}`, name: 'Avery Admin', role: 'admin' });
  const analyst = await user(db, clock, {
    email: `analyst@${domain}`,
    name: 'Dana Analyst',
    role: 'analyst',
  });
  // The agencies directory: the test's own state unit, and public bodies as agencies (never as sources).
  const agencies = [];
  for (const a of [
    { name: 'State AG Robocall Unit (test)', kind: 'state', jurisdiction: 'Ohio' },
    {
      name: 'Federal Communications Commission, Enforcement Bureau',
      kind: 'federal',
      jurisdiction: 'United States',
    },
    { name: 'Federal Trade Commission', kind: 'federal', jurisdiction: 'United States' },
  ] as const)
    agencies.push(await createAgency({ ...system, input: ZAgencyCreate.parse(a) }));
  const enforcement = await user(db, clock, {
    email: `investigator@${domain}`,
    name: 'Rowan Investigator',
    role: 'enforcement',
    agencyId: agencies[0]!.id,
  });
  const analystActor = actorFor((await findUser(db, analyst.id))!, 'portal');

  const providers: Demo['providers'] = [];
  const actors = new Map<string, Actor>();
  for (const [i, name] of PROVIDER_NAMES.entries()) {
    const slug = name.toLowerCase().split(' ')[0]!;
    const contactEmail = `traceback@${slug}.example`;
    const row = await createProvider({
      ...system,
      input: ZProviderCreate.parse({
        name,
        ocns: [String(7100 + i * 7)],
        frn: String(30_000_000 + i * 1111),
        ...(i % 4 === 3 ? {} : { rmdNumber: `RMD00${String(51_000 + i * 13).padStart(5, '0')}` }),
        timezone: ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles'][i % 4],
        contacts: [
          {
            name: 'Traceback desk',
            email: `traceback@${slug}.example`,
            phone: `+1 ${AREA[i % AREA.length]} 555 01${String(10 + i)}`,
          },
        ],
      }),
    });
    const u = await user(db, clock, {
      email: `desk@${slug}.example`,
      name: `${name} desk`,
      role: 'provider',
      providerId: row.id,
    });
    actors.set(row.id, actorFor((await findUser(db, u.id))!, 'portal'));
    providers.push({ id: row.id, name, contactEmail, user: u });
  }

  const campaigns: Demo['campaigns'] = [];
  for (const c of [
    {
      name: 'Tax agency impersonation',
      description: 'A recorded voice says a warrant is out for unpaid taxes and asks for gift cards.',
      category: 'government_impersonation',
    },
    {
      name: 'Vehicle warranty expiring',
      description: 'Press 1 to renew an extended warranty on a vehicle the person called does not own.',
      category: 'auto_warranty',
    },
    {
      name: 'Power shut-off threat',
      description: 'Claims to be the electric utility and threatens disconnection within the hour.',
      category: 'utilities',
    },
  ]) {
    const row = await createCampaign({ ...system, actor: analystActor, input: ZCampaignCreate.parse(c) });
    campaigns.push({ id: row.id, name: row.name });
  }

  const number = () => `+1 ${pick(AREA)} 555 01${String(Math.floor(random() * 100)).padStart(2, '0')}`;
  const endings: Array<TOutcome | 'open'> = [
    'origin_identified',
    'origin_identified',
    'origin_identified',
    'origin_identified',
    'non_responsive',
    'dead_end',
    'foreign_origin',
    'cancelled',
  ];
  const tracebacks: string[] = [];
  const span = weeks * 7 * 24 * HOUR_MS;
  const starts = Array.from(
    { length: count },
    () => now.getTime() - span + random() * (span - 72 * HOUR_MS),
  ).sort((a, b) => a - b);
  // The last few stay open, waiting on a provider, so the inbox and the dashboard have work in them.
  const openTail = Math.min(4, count);
  for (const [i, start] of starts.entries()) {
    const ending = i >= count - openTail ? 'open' : pick(endings);
    clock.set(i >= count - openTail ? now.getTime() - (i - (count - openTail) + 1) * 5 * HOUR_MS : start);
    const chain = [...providers].sort(() => random() - 0.5).slice(0, 2 + Math.floor(random() * 4));
    const tb = await openTraceback({
      ...system,
      actor: analystActor,
      input: ZTracebackOpen.parse({
        call: {
          startedAt: new Date(clock.now().getTime() - (2 + random() * 40) * HOUR_MS).toISOString(),
          callingNumber: number(),
          calledNumber: number(),
        },
        firstProviderId: chain[0]!.id,
        campaignId: pick(campaigns).id,
      }),
    });
    tracebacks.push(tb.id);
    if (ending === 'open') continue;
    for (const [j, p] of chain.entries()) {
      const hop = (await hopsOf(db, tb.id)).find((h) => h.status === 'pending');
      if (!hop) break;
      const last = j === chain.length - 1;
      if (last && ending === 'non_responsive') {
        clock.set(hop.dueAt.getTime() + 60_000);
        await markNonResponsive({ ...system, actor: systemActor('clock'), hopId: hop.id });
        break;
      }
      if (last && (ending === 'foreign_origin' || ending === 'cancelled')) {
        clock.advance((2 + random() * 6) * HOUR_MS);
        await actOnTraceback({
          ...system,
          actor: analystActor,
          tracebackId: tb.id,
          input: ZTracebackAction.parse(
            ending === 'cancelled'
              ? { action: 'cancel', note: 'Duplicate of an earlier traceback' }
              : {
                  action: 'close',
                  outcome: 'foreign_origin',
                  note: 'The call entered at this gateway from abroad',
                },
          ),
        });
        break;
      }
      // Most answer within hours of receipt; now and then one is late.
      const late = random() < 0.08;
      clock.set(
        Math.max(clock.now().getTime(), hop.receivedAt.getTime()) +
          (late ? 26 : 0.3 + random() * random() * 20) * HOUR_MS,
      );
      const next = chain[j + 1];
      const answer = last
        ? ending === 'dead_end'
          ? { kind: 'not_found', comment: 'No CDR matches the call time and numbers.' }
          : {
              kind: 'origin',
              customer: {
                name: `${pick(['Brightpath', 'Sunward', 'Clearwave', 'Ironleaf'])} Outreach LLC (fictional)`,
                address: '100 Example Street, Springfield',
                contact: 'ops@outreach.example',
                accountRef: `ACCT-${Math.floor(random() * 90_000 + 10_000)}`,
              },
              action: pick(['terminated', 'warned', 'blocked', 'investigating'] as const),
            }
        : { kind: 'upstream', upstreamProviderId: next!.id };
      await answerHop({
        ...system,
        actor: actors.get(p.id)!,
        hopId: hop.id,
        input: ZHopAnswer.parse(answer),
      });
    }
  }
  return { admin, analyst, enforcement, providers, campaigns, tracebacks };
}

/** Providers with a user each and nothing addressed to them yet, for a test that walks one traceback. */
export async function addFlowProviders(db: Db): Promise<DemoProvider[]> {
  const clock = new ManualClock(new Date());
  const out: DemoProvider[] = [];
  for (const [i, name] of ['Wrenfield Telecom', 'Ospreyline Voice', 'Bramblecrest Networks'].entries()) {
    const contactEmail = `desk@${name.toLowerCase().split(' ')[0]}.example`;
    const row = await createProvider({
      db,
      clock,
      actor: systemActor('demo'),
      input: ZProviderCreate.parse({
        name,
        ocns: [String(8200 + i)],
        timezone: 'America/Chicago',
        contacts: [{ name: 'Traceback desk', email: contactEmail }],
      }),
    });
    const u = await user(db, clock, {
      email: `oncall@${name.toLowerCase().split(' ')[0]}.example`,
      name: `${name} on-call`,
      role: 'provider',
      providerId: row.id,
    });
    out.push({ id: row.id, name, contactEmail, user: u });
  }
  return out;
}
