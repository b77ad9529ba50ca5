import type { TCampaignCreate } from '@hoptrace/contracts';
import { Random } from './random';

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

export interface SimCampaign {
  key: string;
  input: TCampaignCreate;
  script: string;
  /** The provider key and customer that place the calls. */
  originProviderKey: string;
  customerKey: string;
  foreign: boolean;
}

export interface SimConfig {
  seed: number;
  counts: Record<ProviderKind, number>;
  /** Share of campaigns (and so of traced calls) placed from abroad. */
  foreignShare: number;
  /** Shares of US providers per answer mode (normalised; foreign providers never answer). */
  answerModes: Record<AnswerMode, number>;
  /** Weights of the number of US intermediate providers in a call path. */
  intermediateWeights: ReadonlyArray<readonly [number, number]>;
  campaigns: number;
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
  answerModes: { agent: 0.45, manual: 0.35, late: 0.08, never: 0.12 },
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
  missingRecordShare: 0.04,
  ambiguousShare: 0.04,
  unknownPeerShare: 0.03,
};

export interface SimNetwork {
  config: SimConfig;
  providers: SimProvider[];
  byKey: Map<string, SimProvider>;
  campaigns: SimCampaign[];
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

const SCRIPTS: ReadonlyArray<{ category: TCampaignCreate['category']; name: string; script: string }> = [
  {
    category: 'auto_warranty',
    name: 'Vehicle service contract expiring',
    script:
      "We've been trying to reach you concerning your car's extended warranty. Press 1 to speak to a specialist before your coverage is closed.",
  },
  {
    category: 'government_impersonation',
    name: 'Benefits number suspended',
    script:
      'This is the benefits administration. Your number has been suspended due to suspicious activity. Press 1 now to speak to an officer.',
  },
  {
    category: 'business_impersonation',
    name: 'Online order charge confirmation',
    script:
      'This is an automated call about an order of 1,499 dollars on your account. If you did not authorise it, press 1.',
  },
  {
    category: 'financial',
    name: 'Credit card interest reduction',
    script: 'Final notice: you qualify to lower your card interest rate to 1.9 percent. Press 1 to qualify.',
  },
  {
    category: 'health',
    name: 'Free medical brace offer',
    script: 'Good news! You qualify for a back brace at no cost under your plan. Press 1 to have it shipped.',
  },
  {
    category: 'utilities',
    name: 'Power disconnection warning',
    script: 'Your electric service will be disconnected in 30 minutes for non-payment. Press 1 to pay now.',
  },
];

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
  for (let i = 0; i < config.campaigns; i++) {
    // A deterministic share, not a coin per campaign: small networks keep the configured mix.
    const foreign =
      foreignOrigins.length > 0 &&
      Math.floor((i + 1) * config.foreignShare) > Math.floor(i * config.foreignShare);
    const origin = rnd.pick(foreign ? foreignOrigins : domesticOrigins);
    const customer = rnd.pick(origin.customers);
    const script = SCRIPTS[i % SCRIPTS.length]!;
    campaigns.push({
      key: `k${pad(i + 1, 3)}`,
      input: {
        name: `${script.name} #${i + 1}`,
        description: `Simulated campaign. Script: "${script.script}"`,
        category: script.category,
      },
      script: script.script,
      originProviderKey: origin.key,
      customerKey: customer.key,
      foreign,
    });
  }
  return { config, providers, byKey, campaigns };
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
