import type { TCampaignCreate } from '@hoptrace/contracts';
import type { Random } from './random';

export type CampaignCategory = NonNullable<TCampaignCreate['category']>;

/**
 * The per-call values a script template leaves open. In a template `{slot}` is replaced by the call's
 * value and `[…]` is an optional part, said only when every slot inside it has a value this call.
 */
export const SLOT_NAMES = [
  'agent',
  'name',
  'amount',
  'bigamount',
  'small',
  'order',
  'case',
  'date',
  'callback',
  'percent',
  'minutes',
  'last4',
  'year',
] as const;
export type SlotName = (typeof SLOT_NAMES)[number];
export type SlotValues = Partial<Record<SlotName, string>>;

export interface ScriptTemplate {
  key: string;
  category: CampaignCategory;
  /** What an analyst would call the campaign. */
  name: string;
  language: 'en' | 'es';
  /** A call people asked for (a pharmacy, a school): detection should learn to leave it alone. */
  legitimate: boolean;
  /** Wording variants of the same script, as real campaigns rotate recordings. */
  variants: readonly string[];
  /** Who places a legitimate call (the originating provider's customer). */
  sender?: string;
}

const t = (
  key: string,
  category: CampaignCategory,
  name: string,
  variants: string[],
  extra: Partial<Pick<ScriptTemplate, 'language' | 'legitimate' | 'sender'>> = {},
): ScriptTemplate => ({ key, category, name, language: 'en', legitimate: false, variants, ...extra });

/**
 * Robocall scripts, written for the simulator: every brand, agency and person in them is fictional.
 * Campaign i of a network plays template i, so the first ones are the classics the demo shows.
 */
export const ROBOCALL_SCRIPTS: readonly ScriptTemplate[] = [
  t('vehicle-warranty-final-notice', 'auto_warranty', 'Vehicle service contract expiring', [
    "We've been trying to reach you concerning your car's extended warranty. This is your final courtesy call before we close out your file. Press 1 now to speak with a warranty specialist, or call us back at {callback}.",
    "We've been trying to reach you concerning your vehicle's extended warranty. [{name}, ]this is your final courtesy call before your coverage is closed. Press 1 now to speak with a specialist, or call {callback}.",
    "Hi, this is {agent} from the vehicle service department. We've been trying to reach you concerning your car's extended warranty. This is the final courtesy call before we close out your file. Press 1 to speak with a specialist.",
  ]),
  t('benefits-number-suspended', 'government_impersonation', 'Benefits number suspended', [
    'This is the benefits administration. Your benefits number has been suspended due to suspicious activity in your name. To avoid legal action, press 1 now to speak to an officer. Your case number is {case}.',
    'This call is from the benefits administration. We have suspended your benefits number because of suspicious activity. Before we begin legal proceedings, press 1 to speak with an officer, or call {callback}.',
  ]),
  t('online-order-charge', 'business_impersonation', 'Online order charge confirmation', [
    'This is an automated call from Northwind Retail. An order of {amount} for a laptop computer was placed on your account, order number {order}. If you did not authorise this purchase, press 1 to speak with a representative.',
    'Hello, this is Northwind Retail customer support. We are calling about a purchase of {amount} on your account, order number {order}. If you did not make this purchase, press 1 now to cancel it.',
    'This is a message from Northwind Retail. Your order number {order} of {amount} is ready to ship. If you did not place this order, please call our support team at {callback}.',
  ]),
  t('card-interest-reduction', 'financial', 'Credit card interest reduction', [
    'This is {agent} from card member services. This is your final notice: you qualify to lower the interest rate on your credit cards to {percent}. Press 1 to qualify now, or press 2 if you wish to forfeit this offer.',
    'Final notice from card member services. Based on your payment history, you now qualify to lower your card interest rate to {percent}. Press 1 to speak with a representative.',
  ]),
  t('medical-brace-offer', 'health', 'Free medical brace offer', [
    'Good news! You qualify for a back brace at no cost under your health plan. Our licensed specialists can ship it to your door this week. Press 1 to have it shipped.',
    'Good news! [{name}, ]you may qualify for a back or knee brace at little or no cost through your health plan. Press 1 now to speak with a specialist and have it shipped to your home.',
  ]),
  t('power-disconnection', 'utilities', 'Power disconnection warning', [
    'This is Summit Power & Light. Your electric service will be disconnected in {minutes} minutes due to non-payment. To avoid disconnection, press 1 now to make a payment of {amount}.',
    'Urgent message from Summit Power & Light. Our records show a past-due balance of {amount} on your account. A technician has been dispatched to disconnect your service in {minutes} minutes. Press 1 to pay now, or call {callback}.',
  ]),
  t('tax-debt-warrant', 'government_impersonation', 'Back taxes lawsuit threat', [
    'This is officer {agent} with the Federal Revenue Compliance Office. A lawsuit has been filed under your name for unpaid back taxes of {bigamount}. To avoid an arrest warrant, call our department immediately at {callback}. Your case number is {case}.',
    'This message is from the Federal Revenue Compliance Office. There is a legal case filed against you for back taxes of {bigamount}. If you ignore this call, a warrant will be issued for your arrest. Call us back at {callback}.',
  ]),
  t(
    'benefits-suspended-es',
    'government_impersonation',
    'Benefits number suspended (Spanish)',
    [
      'Aviso importante de la Administración de Beneficios. Su número de beneficios ha sido suspendido por actividad sospechosa. Para evitar una acción legal, oprima 1 para hablar con un oficial o llame al {callback}. Su número de caso es {case}.',
      'Este es un mensaje de la Administración de Beneficios. Hemos suspendido su número de beneficios por actividad sospechosa. Oprima 1 ahora para hablar con un oficial.',
    ],
    { language: 'es' },
  ),
  t('bank-fraud-alert', 'business_impersonation', 'Bank card fraud alert', [
    'This is the fraud prevention department of Harborcrest Bank. We detected a suspicious charge of {amount} on your debit card ending in {last4}. If you did not make this purchase, press 1 now to speak with a fraud specialist.',
    'Harborcrest Bank fraud alert. A charge of {amount} was attempted on your card ending in {last4}. To block this transaction and protect your account, press 1 now.',
  ]),
  t('package-delivery-failed', 'business_impersonation', 'Missed package delivery', [
    'Hello, this is Parcelwing Express. We attempted to deliver your package today but no one was available to sign for it. Your package will be returned to the sender unless you confirm your address. Press 1 to reschedule delivery. A redelivery fee of {small} applies.',
  ]),
  t('student-loan-forgiveness', 'financial', 'Student loan forgiveness', [
    'This is {agent} with the Student Aid Relief Center, calling about your federal student loans. Under the new forgiveness guidelines, you may qualify to have your payment reduced to {small} a month or forgiven entirely. The deadline to apply is {date}. Press 1 to speak with a loan advisor.',
    'Hi[ {name}], this is the Student Aid Relief Center. Your student loans may be eligible for forgiveness under the new program. The deadline is {date}. Press 1 now to see if you qualify.',
  ]),
  t('energy-rebate', 'utilities', 'Electric bill discount program', [
    'Hi, this is {agent} calling about the state energy rebate program. Homeowners in your area are now eligible for a discount of up to 30% on their electric bill. Press 1 to see if your address qualifies.',
  ]),
  t('vacation-prize', 'other', 'Free cruise prize', [
    'Congratulations! You have been selected to receive a free 3-night cruise with Azure Isle Vacations. Press 1 to claim your prize. Only a small port fee of {small} applies. This offer expires {date}.',
    'Congratulations! You have won a free 3-night cruise for two with Azure Isle Vacations. To claim your prize, press 1 now.',
  ]),
  t('health-plan-enrollment', 'health', 'Health plan open enrollment', [
    'Open enrollment ends {date}. If you are under 65, you may qualify for a health plan for as low as {small} a month, even with pre-existing conditions. Press 1 to speak with a licensed agent.',
  ]),
  t('county-election-survey', 'political', 'County election survey', [
    'Hello, this is a short survey about the county election on {date}. If you plan to vote for Dana Whitfield for county commissioner, press 1. If you plan to vote for another candidate, press 2. If you are undecided, press 3.',
  ]),
  t('business-funding', 'financial', 'Business funding pre-approval', [
    'Hi, this is {agent} from Maplestone Capital. Your business has been pre-approved for up to {bigamount} in working capital, with no collateral required and funds in as little as 24 hours. Press 1 to speak with a funding specialist.',
  ]),
  t('tax-relief-es', 'financial', 'Tax debt relief (Spanish)', [
    '¿Debe más de {bigamount} en impuestos? Un nuevo programa del gobierno puede reducir su deuda hasta un 80%. Oprima 1 para hablar con un especialista en alivio de impuestos o llame al {callback}.',
  ]),
  t('customs-parcel-held', 'government_impersonation', 'Parcel held at customs', [
    'This is the Border Parcel Inspection Office. A package in your name has been held at customs because it contained suspicious items. Your reference number is {case}. Press 1 to speak with an inspector before legal action is taken.',
  ]),
  t('jury-duty-fine', 'government_impersonation', 'Missed jury duty fine', [
    "This is the county court clerk's office. Our records show that you missed jury duty on {date}. A fine of {amount} has been issued and a warrant may follow. Call {callback} today to resolve this matter.",
  ]),
  t('auto-protection-plan', 'auto_warranty', 'Vehicle protection plan offer', [
    'Hello, this is {agent} with Ironclad Auto Protection. You may still be eligible for our vehicle protection plan, which covers engine and transmission repairs up to {bigamount}. Your eligibility ends {date}. Press 1 for a free quote, or call {callback}.',
  ]),
  t('auto-safety-notice', 'auto_warranty', 'Vehicle safety notice', [
    'This message is about an open safety notice on the {year} vehicle registered in your name. To schedule a free inspection and review your coverage options, press 1. Your reference number is {case}.',
  ]),
  t('software-renewal', 'business_impersonation', 'Software subscription renewal', [
    'Thank you for being a Quorvant customer. Your computer protection subscription has been renewed for {amount}, and the charge will appear on your statement within 24 hours. If you wish to cancel and get a refund, press 1 or call {callback}.',
    'This is Quorvant billing. Your annual computer protection plan was renewed today for {amount}. To cancel and receive a full refund, call {callback} within 24 hours.',
  ]),
  t('mobile-account-credit', 'business_impersonation', 'Mobile account refund', [
    'This is Crestline Mobile customer care. Because of a billing error, you are owed a credit of {amount} on your account. To receive your refund today, press 1 and have your account PIN ready.',
  ]),
  t('debt-consolidation', 'financial', 'Debt consolidation pre-approval', [
    'Hi[ {name}], this is {agent} with Fairbridge Debt Solutions. You have been pre-approved to combine your credit card debt into one low monthly payment, and you could be debt free in as little as 24 months. Press 1 to speak with a counselor.',
  ]),
  t('final-expense-insurance', 'financial', 'Final expense insurance', [
    'Attention seniors. New state-regulated final expense plans can cover up to {bigamount} in burial costs for as little as {small} a month, with no medical exam required. Press 1 to see if you qualify.',
  ]),
  t('glucose-monitor', 'health', 'Diabetic monitor offer', [
    'This is an important message for people with diabetes. You may be eligible to receive a continuous glucose monitor at little or no cost through your senior health plan. Press 1 now to check your eligibility, or call {callback}.',
  ]),
  t('water-shutoff', 'utilities', 'Water shutoff notice', [
    'This is Clearbrook Water Authority. Your account is past due in the amount of {amount}, and water service at your address is scheduled to be shut off on {date}. Call {callback} to arrange a payment.',
  ]),
  t('solar-savings', 'utilities', 'Solar panel installation offer', [
    'Your utility company is raising rates again this year. With the new solar incentive, homeowners in your area can install solar panels for $0 down and cut their electric bill in half. Press 1 to see if your home qualifies.',
  ]),
  t('candidate-message', 'political', 'State senate candidate message', [
    "Hi, this is Marcus Ellery, candidate for state senate. I'm asking for your vote on {date}. Together we can lower property taxes and fix our roads. To volunteer or get a yard sign, press 1. Paid for by Friends of Marcus Ellery.",
  ]),
  t('business-listing', 'other', 'Business listing removal', [
    'Attention business owner. Your business listing on Findwell Local Search has not been verified and will be removed within 24 hours. Press 1 now to verify your listing with a specialist.',
  ]),
  t('home-security', 'other', 'Free home security system', [
    'Hi, this is {agent} with Guardline Home Security. Because of recent break-ins in your neighborhood, we are installing free security systems for a limited number of homeowners. Press 1 to schedule your free installation.',
  ]),
];

/** Calls people asked for; they reach honeypots on numbers that once belonged to a customer. */
export const LEGITIMATE_SCRIPTS: readonly ScriptTemplate[] = [
  t(
    'pharmacy-refill',
    'health',
    'Pharmacy refill reminder',
    [
      'Hello, this is Brookhaven Pharmacy with a message for {name}. Your prescription is ready for pickup. Please pick it up by {date}. For questions, call us at {callback}. Thank you.',
      'This is Brookhaven Pharmacy calling for {name}. A prescription refill is ready at your local store. It will be held until {date}. To reach the pharmacy, call {callback}.',
    ],
    { legitimate: true, sender: 'Brookhaven Pharmacy' },
  ),
  t(
    'school-closure',
    'other',
    'School closure notice',
    [
      'Good evening, this is Superintendent Laura Bennett of the Maple Hollow School District. Due to the winter storm, all schools and offices will be closed on {date}. All after-school activities are cancelled. Please check our website for updates.',
    ],
    { legitimate: true, sender: 'Maple Hollow School District' },
  ),
  t(
    'dental-appointment',
    'health',
    'Dental appointment reminder',
    [
      'This is a reminder from Lakeside Family Dental for {name} about your appointment on {date}. Press 1 to confirm, or press 2 to reschedule.',
    ],
    { legitimate: true, sender: 'Lakeside Family Dental' },
  ),
];

/**
 * One-off calls that reach honeypots besides campaigns: wrong numbers, a survey, someone looking for
 * the number's previous owner. Each is said once, in words of its own.
 */
export const BACKGROUND_SCRIPTS: readonly string[] = [
  'Hi, is this {name}? Oh, sorry, I think I have the wrong number. Have a good day.',
  "Hey, it's {agent}. I'm running about {minutes} minutes late, so go ahead and start without me. Call me back when you get this.",
  'Hello? Hello? Can you hear me? I think the line is bad. I will try again later.',
  "Hi, this is {agent} from Tri-County Research. We're doing a short survey about local parks and it only takes two minutes. Would you have a moment?",
  "Hello, I'm trying to reach {name} about the apartment listing. Is it still available? My number is {callback}.",
  "This message is for {name}. It's {agent} from the dentist's office. Please call us back at {callback} to reschedule.",
  "Hi, I'm calling about the car you have for sale. Is it still available? Call me back at {callback}. Thanks.",
  'Hello, is this the pizza place? Sorry, wrong number.',
  "Hey {name}, it's {agent}. Just checking in. Give me a call when you can.",
];

const AGENTS = [
  'Rachel',
  'Kevin',
  'Jessica',
  'Mark',
  'Linda',
  'Brian',
  'Amanda',
  'Steve',
  'Emily',
  'David',
  'Sarah',
  'Daniel',
  'Megan',
  'Chris',
  'Nicole',
  'Jason',
  'Karen',
  'Tony',
  'Lisa',
  'Ryan',
] as const;
const GIVEN = [
  'James',
  'Maria',
  'Robert',
  'Patricia',
  'Michael',
  'Jennifer',
  'William',
  'Elizabeth',
  'Carlos',
  'Susan',
  'Thomas',
  'Dorothy',
  'Anthony',
  'Gloria',
  'Harold',
  'Denise',
] as const;
const FAMILY = [
  'Miller',
  'Garcia',
  'Johnson',
  'Nguyen',
  'Brooks',
  'Patel',
  'Reyes',
  'Turner',
  'Coleman',
  'Hayes',
];
const MONTHS_EN = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;
const MONTHS_ES = [
  'enero',
  'febrero',
  'marzo',
  'abril',
  'mayo',
  'junio',
  'julio',
  'agosto',
  'septiembre',
  'octubre',
  'noviembre',
  'diciembre',
] as const;

/** The name a number's previous subscriber went by: stable per number, so callers who know it keep using it. */
export function subscriberName(e164: string): string {
  let h = 2166136261;
  for (let i = 0; i < e164.length; i++) h = Math.imul(h ^ e164.charCodeAt(i), 16777619);
  h >>>= 0;
  return `${GIVEN[h % GIVEN.length]!} ${FAMILY[(h >>> 8) % FAMILY.length]!}`;
}

type Part = string | { slot: SlotName } | { optional: Part[] };

interface Compiled {
  parts: Part[];
  slots: SlotName[];
}

const compiled = new Map<string, Compiled>();

function compile(text: string): Compiled {
  let c = compiled.get(text);
  if (c) return c;
  const slots = new Set<SlotName>();
  const parseParts = (s: string): Part[] => {
    const out: Part[] = [];
    const re = /\{(\w+)\}|\[([^\]]*)\]/g;
    let last = 0;
    for (let m = re.exec(s); m; m = re.exec(s)) {
      if (m.index > last) out.push(s.slice(last, m.index));
      if (m[1] !== undefined) {
        if (!(SLOT_NAMES as readonly string[]).includes(m[1])) throw new Error(`unknown slot {${m[1]}}`);
        slots.add(m[1] as SlotName);
        out.push({ slot: m[1] as SlotName });
      } else out.push({ optional: parseParts(m[2]!) });
      last = re.lastIndex;
    }
    if (last < s.length) out.push(s.slice(last));
    return out;
  };
  c = { parts: parseParts(text), slots: [...slots] };
  compiled.set(text, c);
  return c;
}

/** The slots a script text uses (optional ones included). */
export function slotsOf(text: string): readonly SlotName[] {
  return compile(text).slots;
}

/**
 * A script text with the call's values in place. A slot without a value drops the optional part that
 * holds it; outside one it is an error (the caller forgot to draw it).
 */
export function renderScript(text: string, values: SlotValues): string {
  return renderParts(compile(text).parts, values, false, text)!;
}

function renderParts(parts: Part[], values: SlotValues, optional: boolean, text: string): string | null {
  let out = '';
  for (const p of parts) {
    if (typeof p === 'string') out += p;
    else if ('slot' in p) {
      const v = values[p.slot];
      if (v === undefined) {
        if (optional) return null;
        throw new Error(`no value for {${p.slot}} in "${text}"`);
      }
      out += v;
    } else out += renderParts(p.optional, values, true, text) ?? '';
  }
  return out;
}

export interface SlotContext {
  /** When the call is placed: dates in the script are a few days after it. */
  at: Date;
  language: 'en' | 'es';
  /** The campaign's callback numbers (E.164). */
  callbacks: readonly string[];
  /** The called person's name, when the caller uses it. */
  name?: string | null;
}

const thousands = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const ordinal = (d: number) => {
  const s = d % 100 >= 11 && d % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][d % 10] ?? 'th');
  return `${d}${s}`;
};

/** A callback number as a recording says it (and Whisper writes it): 833-555-0142. */
export function spokenNumber(e164: string): string {
  const n = e164.replace(/^\+1/, '');
  return `${n.slice(0, 3)}-${n.slice(3, 6)}-${n.slice(6)}`;
}

/** Draws a value for each of `slots`, in the fixed slot order, so a call's values follow from the seed. */
export function drawSlots(rnd: Random, slots: readonly SlotName[], ctx: SlotContext): SlotValues {
  const v: SlotValues = {};
  for (const slot of SLOT_NAMES) {
    if (!slots.includes(slot)) continue;
    switch (slot) {
      case 'agent':
        v.agent = rnd.pick(AGENTS);
        break;
      case 'name':
        if (ctx.name) v.name = ctx.name.split(' ')[0]!;
        break;
      case 'amount': {
        const dollars = rnd.int(149, 1999);
        v.amount = rnd.chance(0.5) ? `$${thousands(dollars)}.99` : `$${thousands(dollars)}`;
        break;
      }
      case 'bigamount':
        v.bigamount = `$${thousands(rnd.int(25, 480) * 100)}`;
        break;
      case 'small':
        v.small = `$${rnd.int(9, 89)}.99`;
        break;
      case 'order':
        v.order = String(rnd.int(1_000_000, 9_999_999));
        break;
      case 'case':
        v.case = String(rnd.int(10_000, 99_999));
        break;
      case 'date': {
        const d = new Date(ctx.at.getTime() + rnd.int(1, 10) * 86_400_000);
        v.date =
          ctx.language === 'es'
            ? `${d.getUTCDate()} de ${MONTHS_ES[d.getUTCMonth()]!}`
            : `${MONTHS_EN[d.getUTCMonth()]!} ${ordinal(d.getUTCDate())}`;
        break;
      }
      case 'callback':
        v.callback = spokenNumber(rnd.pick(ctx.callbacks));
        break;
      case 'percent':
        v.percent = `${rnd.int(0, 4)}.${rnd.int(1, 9)}%`;
        break;
      case 'minutes':
        v.minutes = String(rnd.pick([15, 30, 30, 45, 60]));
        break;
      case 'last4':
        v.last4 = String(rnd.int(1000, 9999));
        break;
      case 'year':
        v.year = String(rnd.int(2012, 2023));
        break;
    }
  }
  return v;
}
