import type { TCampaignCreate, TOriginAction } from '@hoptrace/contracts';
import type { Attestation } from '@hoptrace/shaken';
import { Random } from './random';
import {
  drawSlots,
  LEGITIMATE_SCRIPTS,
  renderScript,
  ROBOCALL_SCRIPTS,
  slotsOf,
  type ScriptTemplate,
} from './scripts';

export const PROVIDER_KINDS = ['originating', 'intermediate', 'gateway', 'foreign', 'terminating'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

/**
 * How a provider answers hops: `agent` runs the provider agent (seconds), `manual` is a person
 * (minutes to a day), `late` answers after the deadline, `never` does not answer.
 */
export const ANSWER_MODES = ['agent', 'manual', 'late', 'never'] as const;
export type AnswerMode = (typeof ANSWER_MODES)[number];

/** How a provider writes numbers in its call records; the agent must read them all. */
export const NUMBER_FORMATS = ['e164', 'nanp10', 'nanp11', 'dashed', 'pretty'] as const;
export type NumberFormat = (typeof NUMBER_FORMATS)[number];

export interface SimCustomer {
  key: string;
  name: string;
  address: string;
  contact: string;
  accountRef: string;
  /** The trunk the customer's traffic arrives on, as the provider records it. */
  trunk: string;
  /** Ordinary subscribers' lines (where one-off calls start), not a business that places calls. */
  subscribers?: boolean;
}

export interface SimProvider {
  key: string;
  name: string;
  kind: ProviderKind;
  country: string;
  ocn: string;
  timezone: string;
  email: string;
  answerMode: AnswerMode;
  /** What this provider's agent says it did about a calling customer of its own (its peer map's `originAction`). */
  originAction: TOriginAction;
  numberFormat: NumberFormat;
  /** Seconds this provider's switch clock is off by: the agent's tolerance must absorb it. */
  clockSkewSeconds: number;
  /** Providers this one hands calls to. */
  downstream: string[];
  /** Inbound trunk name for each upstream provider key. */
  trunkFrom: Record<string, string>;
  customers: SimCustomer[];
  /** Area code of the subscribers of a terminating provider. */
  npa?: string;
}

/**
 * Where a campaign's caller IDs come from: a fresh spoofed number per call, the called number's own
 * NPA-NXX (neighbour spoofing), or a few numbers used over and over.
 */
export type CallerIdPlan =
  { kind: 'spoofed' } | { kind: 'neighbour' } | { kind: 'pool'; numbers: readonly string[] };

export type AttestationWeights = ReadonlyArray<readonly [Attestation, number]>;

export interface SimCampaign {
  key: string;
  input: TCampaignCreate;
  /** What a call of the campaign says (its first recording, with one call's values). */
  script: string;
  /** The script it plays; each of its variants is one recording. */
  template: ScriptTemplate;
  language: 'en' | 'es';
  /** A sender people asked to hear from (see `SimNetwork.legitimate`). */
  legitimate: boolean;
  /** The provider key and customer that place the calls. */
  originProviderKey: string;
  customerKey: string;
  foreign: boolean;
  callerId: CallerIdPlan;
  /** Share of calls that show no caller ID. */
  withheldShare: number;
  /** The callback numbers its script gives (fictional toll-free numbers). */
  callbacks: readonly string[];
  /** Attestation when its origin signs the calls. */
  attestation: AttestationWeights;
  /** Share of calls that greet the called person by name (the number's previous subscriber). */
  nameShare: number;
  /** Relative weights of the template's variants. */
  variantWeights: readonly number[];
}

export interface SimConfig {
  seed: number;
  counts: Record<ProviderKind, number>;
  /** Share of campaigns (and so of traced calls) placed from abroad. */
  foreignShare: number;
  /** Shares of US providers per answer mode (normalised; foreign providers never answer). */
  answerModes: Record<AnswerMode, number>;
  /**
   * What an origin says it did about its calling customer: each answer a person gives draws from these
   * weights, and each provider's agent answers one action drawn from them once (its standing policy).
   */
  originActions: ReadonlyArray<readonly [TOriginAction, number]>;
  /** Weights of the number of US intermediate providers in a call path. */
  intermediateWeights: ReadonlyArray<readonly [number, number]>;
  /** Robocall campaigns; each plays its own script while the library (`ROBOCALL_SCRIPTS`) has one to give. */
  campaigns: number;
  /** Senders of wanted calls (a pharmacy, a school) whose calls reach honeypots too. */
  legitimateSenders: number;
  /** Share of traced calls of which one provider in the path has lost its record. */
  missingRecordShare: number;
  /** Share of traced calls with a second, near-identical record on another trunk at one provider. */
  ambiguousShare: number;
  /** Share of peer-map entries an agent is missing (a new trunk nobody mapped). */
  unknownPeerShare: number;
}

export const DEFAULT_SIM_CONFIG: SimConfig = {
  seed: 20261123,
  counts: { originating: 8, intermediate: 14, gateway: 4, foreign: 5, terminating: 6 },
  foreignShare: 0.2,
  // Calibrated against the ITG's 2024 key metrics (decision 0028, "Anchors"): with these shares a simulated
  // year has ~10% of its providers non-responsive (ITG 2024: 77 of 714, 10.8%) and ~70% of its origins
  // warning or terminating the caller (ITG 2024: 69%).
  answerModes: { agent: 0.46, manual: 0.4, late: 0.05, never: 0.09 },
  originActions: [
    ['terminated', 0.36],
    ['warned', 0.28],
    ['investigating', 0.36],
  ],
  // Mean 3.3 intermediates: with the terminating and originating providers a domestic path is ~5.3 hops.
  intermediateWeights: [
    [1, 0.07],
    [2, 0.18],
    [3, 0.3],
    [4, 0.27],
    [5, 0.13],
    [6, 0.05],
  ],
  campaigns: 16,
  legitimateSenders: 2,
  missingRecordShare: 0.04,
  ambiguousShare: 0.04,
  unknownPeerShare: 0.03,
};

export interface SimNetwork {
  config: SimConfig;
  providers: SimProvider[];
  byKey: Map<string, SimProvider>;
  /** The robocall campaigns: what gets traced. */
  campaigns: SimCampaign[];
  /** Wanted calls that look like campaigns (same recording to many numbers) but are not to be traced. */
  legitimate: SimCampaign[];
}

const NAME_STEMS = [
  'Bluebird',
  'Copperleaf',
  'Driftwood',
  'Emberline',
  'Foxglove',
  'Granite Peak',
  'Harborlight',
  'Ironwood',
  'Juniper Ridge',
  'Kestrel',
  'Lanternfish',
  'Marigold',
  'Northwind',
  'Oakmoss',
  'Pinecone',
  'Quillfeather',
  'Riverstone',
  'Saffron',
  'Tumbleweed',
  'Umberfield',
  'Violet Hill',
  'Willowbrook',
  'Yarrow',
  'Zephyrline',
  'Amberwave',
  'Birchbark',
  'Cloudberry',
  'Dunmore',
  'Elderglen',
  'Fernhollow',
  'Glimmerbay',
  'Hollyhock',
  'Indigo Sound',
  'Jasperfield',
  'Kingfisher',
  'Larkspur',
  'Moonraker',
  'Nettlecombe',
  'Orchard Lane',
  'Pebblebrook',
] as const;

const KIND_SUFFIX: Record<ProviderKind, string> = {
  originating: 'Voice',
  intermediate: 'Transit',
  gateway: 'Gateway',
  foreign: 'Telecom',
  terminating: 'Wireless',
};

const US_ZONES = ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles'] as const;
/** ISO 3166 user-assigned codes: countries that do not exist. */
const FICTIONAL_COUNTRIES = ['XA', 'XB', 'XC', 'XD'] as const;
const FOREIGN_ZONES = ['Europe/London', 'Asia/Kolkata', 'Asia/Manila', 'America/Santo_Domingo'] as const;
/** Area codes for the fictional 555-01XX ranges (NANPA reserves 555-0100..0199 for fiction). */
export const SIM_NPAS = ['202', '212', '303', '312', '404', '415', '503', '602', '617', '702', '713', '808'];

const CUSTOMER_STEMS = [
  'Sunny Meadow Outreach',
  'Prime Benefit Callers',
  'Vehicle Shield Services',
  'Quick Relief Marketing',
  'Golden Years Advisors',
  'Harbor Lead Partners',
  'Summit Notice Center',
  'Clearpath Dialing',
  'Bright Horizon Leads',
  'Evergreen Contact Group',
] as const;

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** Builds the providers, their peerings (the routing graph), customers and campaigns. Pure and seeded. */
export function buildNetwork(partial: Partial<SimConfig> = {}): SimNetwork {
  const config: SimConfig = { ...DEFAULT_SIM_CONFIG, ...partial };
  const rnd = new Random(config.seed);
  const stems = rnd.shuffle(NAME_STEMS);
  const providers: SimProvider[] = [];
  let n = 0;
  for (const kind of PROVIDER_KINDS)
    for (let i = 0; i < config.counts[kind]; i++) {
      const stem = stems[n % stems.length]!;
      const round = Math.floor(n / stems.length);
      const name = `${stem} ${KIND_SUFFIX[kind]}${round ? ` ${round + 1}` : ''} Fictional`;
      const slug = name
        .toLowerCase()
        .replace(/ fictional$/, '')
        .replace(/[^a-z0-9]+/g, '-');
      const foreign = kind === 'foreign';
      providers.push({
        key: `p${pad(n + 1, 3)}`,
        name,
        kind,
        country: foreign ? rnd.pick(FICTIONAL_COUNTRIES) : 'US',
        ocn: `Z${pad(n + 101, 3)}`,
        timezone: foreign ? rnd.pick(FOREIGN_ZONES) : rnd.pick(US_ZONES),
        email: `traceback@${slug}.example`,
        answerMode: 'never',
        originAction: 'investigating',
        numberFormat: rnd.pick(NUMBER_FORMATS),
        clockSkewSeconds: rnd.int(-3, 3),
        downstream: [],
        trunkFrom: {},
        customers: [],
        ...(kind === 'terminating' ? { npa: SIM_NPAS[n % SIM_NPAS.length]! } : {}),
      });
      n++;
    }
  const byKey = new Map(providers.map((p) => [p.key, p]));
  const of = (kind: ProviderKind) => providers.filter((p) => p.kind === kind);
  assignAnswerModes(
    rnd,
    providers.filter((p) => p.kind !== 'foreign'),
    config.answerModes,
  );

  // The routing graph: who hands calls to whom.
  const intermediates = of('intermediate');
  const terminating = of('terminating');
  for (const p of of('originating')) p.downstream = rnd.sample(intermediates, 3).map((q) => q.key);
  for (const p of of('foreign')) p.downstream = rnd.sample(of('gateway'), 2).map((q) => q.key);
  for (const p of of('gateway')) p.downstream = rnd.sample(intermediates, 3).map((q) => q.key);
  for (const p of intermediates)
    p.downstream = [
      ...rnd.sample(
        intermediates.filter((q) => q !== p),
        5,
      ),
      ...rnd.sample(terminating, 2),
    ].map((q) => q.key);
  for (const p of providers)
    for (const d of p.downstream) {
      const q = byKey.get(d)!;
      q.trunkFrom[p.key] = `TG${q.ocn.slice(1)}-${pad(Object.keys(q.trunkFrom).length + 1, 2)}`;
    }

  let c = 0;
  for (const p of [...of('originating'), ...of('foreign')]) {
    const count = rnd.int(2, 4);
    for (let i = 0; i < count; i++) {
      const stem = CUSTOMER_STEMS[(c * 7 + i) % CUSTOMER_STEMS.length]!;
      c++;
      p.customers.push({
        key: `c${pad(c, 3)}`,
        name: `${stem} ${c} LLC (fictional)`,
        address: `${100 + c} Example Street, Springfield`,
        contact: `ops${c}@customer${c}.example`,
        accountRef: `ACCT-${p.ocn}-${pad(c, 4)}`,
        trunk: `CUST-${pad(c, 4)}`,
      });
    }
  }

  const campaigns: SimCampaign[] = [];
  const domesticOrigins = of('originating');
  const foreignOrigins = of('foreign');
  const placed: Array<{ origin: SimProvider; customer: SimCustomer; foreign: boolean }> = [];
  for (let i = 0; i < config.campaigns; i++) {
    // A deterministic share, not a coin per campaign: small networks keep the configured mix.
    const foreign =
      foreignOrigins.length > 0 &&
      Math.floor((i + 1) * config.foreignShare) > Math.floor(i * config.foreignShare);
    const origin = rnd.pick(foreign ? foreignOrigins : domesticOrigins);
    placed.push({ origin, customer: rnd.pick(origin.customers), foreign });
  }
  // Everything below draws from its own stream: the providers, routes and calls above stay what they
  // were before campaigns had traits.
  const traits = new Random(config.seed + 0x5c17);
  const plans = callerIdPlans(traits, config.campaigns);
  placed.forEach(({ origin, customer, foreign }, i) => {
    const template = ROBOCALL_SCRIPTS[i % ROBOCALL_SCRIPTS.length]!;
    const plan = plans[i]!;
    const campaign = describeCampaign(traits, template, {
      key: `k${pad(i + 1, 3)}`,
      name: `${template.name} #${i + 1}`,
      originProviderKey: origin.key,
      customerKey: customer.key,
      foreign,
      callerId: plan.callerId,
      withheldShare: plan.withheldShare,
      attestation: traits.pick(ATTESTATION_PROFILES),
      nameShare: traits.pick([0, 0, 0.15, 0.4]),
    });
    campaigns.push(campaign);
  });

  let customerCount = providers.reduce((s, p) => s + p.customers.length, 0);
  const addCustomer = (p: SimProvider, name: string, subscribers: boolean): SimCustomer => {
    customerCount++;
    const customer: SimCustomer = {
      key: `c${pad(customerCount, 3)}`,
      name,
      address: `${100 + customerCount} Example Street, Springfield`,
      contact: `ops${customerCount}@customer${customerCount}.example`,
      accountRef: `ACCT-${p.ocn}-${pad(customerCount, 4)}`,
      trunk: `CUST-${pad(customerCount, 4)}`,
      ...(subscribers ? { subscribers: true } : {}),
    };
    p.customers.push(customer);
    return customer;
  };
  const legitimate: SimCampaign[] = [];
  for (let i = 0; i < config.legitimateSenders; i++) {
    const template = LEGITIMATE_SCRIPTS[i % LEGITIMATE_SCRIPTS.length]!;
    const origin = traits.pick(domesticOrigins);
    const customer = addCustomer(origin, `${template.sender ?? template.name} (fictional)`, false);
    legitimate.push(
      describeCampaign(traits, template, {
        key: `l${pad(i + 1, 3)}`,
        name: template.name,
        originProviderKey: origin.key,
        customerKey: customer.key,
        foreign: false,
        // A business calls from its own number, and signs it A.
        callerId: { kind: 'pool', numbers: [fictionalNumber(traits)] },
        withheldShare: 0,
        attestation: [['A', 1]],
        nameShare: 1,
      }),
    );
  }
  for (const p of domesticOrigins)
    addCustomer(p, `${p.name.replace(/ Fictional$/, '')} subscriber lines (fictional)`, true);
  // Its own stream again: what an agent answers at the origin changes nothing above.
  const policies = new Random(config.seed + 0x0a11);
  for (const p of providers) p.originAction = policies.weighted(config.originActions);
  return { config, providers, byKey, campaigns, legitimate };
}

const ATTESTATION_PROFILES: readonly AttestationWeights[] = [
  // The usual mix of the traceback record.
  [
    ['A', 0.65],
    ['B', 0.25],
    ['C', 0.1],
  ],
  // A customer its provider vouches for fully, spoofed numbers and all.
  [
    ['A', 0.9],
    ['B', 0.08],
    ['C', 0.02],
  ],
  // Traffic its provider knows little about.
  [
    ['A', 0.1],
    ['B', 0.7],
    ['C', 0.2],
  ],
  [
    ['A', 0.05],
    ['B', 0.2],
    ['C', 0.75],
  ],
];

const TOLL_FREE = ['833', '844', '855', '866', '877', '888'] as const;

/**
 * Caller-ID plans in fixed shares (a quarter neighbour spoofing, a sixth a small pool, the rest a
 * fresh number per call), placed on campaigns in a seeded order; one campaign mostly hides its number.
 */
function callerIdPlans(rnd: Random, n: number): Array<{ callerId: CallerIdPlan; withheldShare: number }> {
  const order = rnd.shuffle(Array.from({ length: n }, (_, i) => i));
  const neighbour = Math.round(n * 0.25);
  const pool = Math.round(n / 6);
  const plans: Array<{ callerId: CallerIdPlan; withheldShare: number }> = [];
  order.forEach((campaign, position) => {
    const callerId: CallerIdPlan =
      position < neighbour
        ? { kind: 'neighbour' }
        : position < neighbour + pool
          ? { kind: 'pool', numbers: Array.from({ length: rnd.int(2, 6) }, () => fictionalNumber(rnd)) }
          : { kind: 'spoofed' };
    const withheldShare = position === n - 1 && n > 2 ? 0.6 : rnd.pick([0, 0.01, 0.03, 0.05]);
    plans[campaign] = { callerId, withheldShare };
  });
  return plans;
}

function describeCampaign(
  rnd: Random,
  template: ScriptTemplate,
  c: Omit<
    SimCampaign,
    'input' | 'script' | 'template' | 'language' | 'legitimate' | 'callbacks' | 'variantWeights'
  > & { name: string },
): SimCampaign {
  const callbacks = Array.from({ length: rnd.int(1, 3) }, () => fictionalNumber(rnd, rnd.pick(TOLL_FREE)));
  const first = template.variants[0]!;
  const script = renderScript(
    first,
    drawSlots(rnd, slotsOf(first), {
      at: new Date('2026-11-02T15:00:00Z'),
      language: template.language,
      callbacks,
      name: template.legitimate ? 'Dana Miller' : null,
    }),
  );
  const { name, ...rest } = c;
  return {
    ...rest,
    input: {
      name,
      description: `Simulated ${template.legitimate ? 'legitimate sender' : 'campaign'}. Script: "${script}"`,
      category: template.category,
    },
    script,
    template,
    language: template.language,
    legitimate: template.legitimate,
    callbacks,
    // The first recording is the one most calls play.
    variantWeights: template.variants.map((_, v) => 1 / (v + 1) ** 1.5),
  };
}

/** Gives each mode its configured share of the providers, rounded, in a seeded order. */
function assignAnswerModes(rnd: Random, providers: SimProvider[], shares: Record<AnswerMode, number>): void {
  const total = ANSWER_MODES.reduce((s, m) => s + shares[m], 0);
  // Terminating providers asked for the traceback come first, into the responsive modes: the first
  // hop goes to the provider that reported the call.
  const shuffled = [
    ...rnd.shuffle(providers.filter((p) => p.kind === 'terminating')),
    ...rnd.shuffle(providers.filter((p) => p.kind !== 'terminating')),
  ];
  let assigned = 0;
  let cumulative = 0;
  for (const mode of ANSWER_MODES) {
    cumulative += shares[mode] / total;
    const upTo = Math.round(cumulative * shuffled.length);
    for (; assigned < upTo; assigned++) shuffled[assigned]!.answerMode = mode;
  }
}

/** A number as a provider's switch writes it. */
export function formatNumber(e164: string, format: NumberFormat): string {
  const national = e164.replace(/^\+1/, '');
  switch (format) {
    case 'e164':
      return e164;
    case 'nanp10':
      return national;
    case 'nanp11':
      return `1${national}`;
    case 'dashed':
      return `${national.slice(0, 3)}-${national.slice(3, 6)}-${national.slice(6)}`;
    case 'pretty':
      return `(${national.slice(0, 3)}) ${national.slice(3, 6)}-${national.slice(6)}`;
  }
}

/** A fictional number: +1 NPA 555 01XX. */
export function fictionalNumber(rnd: Random, npa = rnd.pick(SIM_NPAS)): string {
  return `+1${npa}5550${pad(rnd.int(100, 199), 3)}`;
}
