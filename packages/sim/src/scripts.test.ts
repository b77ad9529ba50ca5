import { CAMPAIGN_CATEGORIES } from '@hoptrace/contracts';
import { describe, expect, it } from 'vitest';
import { buildNetwork } from './network';
import { Random } from './random';
import {
  BACKGROUND_SCRIPTS,
  drawSlots,
  LEGITIMATE_SCRIPTS,
  renderScript,
  ROBOCALL_SCRIPTS,
  slotsOf,
  subscriberName,
} from './scripts';

/** Real brands and agencies robocalls impersonate: the simulator must never name one. */
const REAL_NAMES = [
  'Amazon',
  'Apple',
  'AT&T',
  'Verizon',
  'T-Mobile',
  'Comcast',
  'Xfinity',
  'Spectrum',
  'DirecTV',
  'Visa',
  'Mastercard',
  'American Express',
  'Walmart',
  'Target',
  'Best Buy',
  'eBay',
  'PayPal',
  'Google',
  'Microsoft',
  'Netflix',
  'FedEx',
  'UPS',
  'USPS',
  'DHL',
  'Chase',
  'Wells Fargo',
  'Bank of America',
  'Citibank',
  'Capital One',
  'IRS',
  'Internal Revenue',
  'Social Security',
  'Medicare',
  'Medicaid',
  'FBI',
  'Homeland Security',
  'Geico',
  'Toyota',
  'Ford',
  'Duke Energy',
  'PG&E',
];

const network = buildNetwork({ seed: 20261123 });

function everyText(): string[] {
  return [
    ...[...ROBOCALL_SCRIPTS, ...LEGITIMATE_SCRIPTS].flatMap((t) => [t.name, t.sender ?? '', ...t.variants]),
    ...BACKGROUND_SCRIPTS,
    ...[...network.campaigns, ...network.legitimate].flatMap((c) => [c.input.name, c.input.description]),
    ...network.providers.flatMap((p) => [p.name, ...p.customers.map((c) => c.name)]),
  ];
}

describe('the script library', () => {
  it('has at least 24 robocall scripts across every campaign category, some in several wordings', () => {
    expect(ROBOCALL_SCRIPTS.length).toBeGreaterThanOrEqual(24);
    expect(new Set(ROBOCALL_SCRIPTS.map((t) => t.key)).size).toBe(ROBOCALL_SCRIPTS.length);
    expect(new Set(ROBOCALL_SCRIPTS.map((t) => t.category))).toEqual(new Set(CAMPAIGN_CATEGORIES));
    expect(ROBOCALL_SCRIPTS.filter((t) => t.variants.length >= 2).length).toBeGreaterThanOrEqual(5);
    expect(ROBOCALL_SCRIPTS.some((t) => t.variants.length === 3)).toBe(true);
    expect(ROBOCALL_SCRIPTS.some((t) => t.language === 'es')).toBe(true);
    expect(ROBOCALL_SCRIPTS.every((t) => !t.legitimate)).toBe(true);
    expect(LEGITIMATE_SCRIPTS.length).toBeGreaterThanOrEqual(2);
    expect(LEGITIMATE_SCRIPTS.every((t) => t.legitimate && t.sender)).toBe(true);
  });

  it('names no real company or agency', () => {
    const texts = everyText();
    for (const brand of REAL_NAMES) {
      const re = new RegExp(`(^|[^A-Za-z])${brand.replace(/[&.-]/g, '\\$&')}($|[^A-Za-z])`, 'i');
      const hit = texts.find((t) => re.test(t));
      expect(hit, `"${brand}" in: ${hit}`).toBeUndefined();
    }
  });

  it('renders every wording with drawn values, optional parts only when their value is there', () => {
    const rnd = new Random(5);
    for (const t of [...ROBOCALL_SCRIPTS, ...LEGITIMATE_SCRIPTS])
      for (const text of t.variants)
        for (const name of [null, 'Maria Reyes']) {
          if (t.legitimate && !name) continue;
          const values = drawSlots(rnd, slotsOf(text), {
            at: new Date('2026-11-20T15:00:00Z'),
            language: t.language,
            callbacks: ['+18335550142'],
            name,
          });
          const out = renderScript(text, values);
          expect(out, text).not.toMatch(/[{}[\]]/);
          if (slotsOf(text).includes('callback')) expect(out).toContain('833-555-0142');
          if (slotsOf(text).includes('name')) expect(out.includes('Maria')).toBe(name !== null);
        }
    expect(renderScript('Hi[ {name}], press 1.', {})).toBe('Hi, press 1.');
    expect(renderScript('Hi[ {name}], press 1.', { name: 'Dana' })).toBe('Hi Dana, press 1.');
    expect(() => renderScript('Call {callback}.', {})).toThrow(/callback/);
  });

  it('gives each campaign of the network its own script and fictional callback numbers', () => {
    expect(new Set(network.campaigns.map((c) => c.template.key)).size).toBe(network.campaigns.length);
    expect(new Set(network.campaigns.map((c) => c.script)).size).toBe(network.campaigns.length);
    for (const c of [...network.campaigns, ...network.legitimate]) {
      expect(c.input.description).toContain(c.script);
      expect(c.script).not.toMatch(/[{}]/);
      for (const n of c.callbacks) expect(n).toMatch(/^\+18[3-8][3-8]5550(1\d\d)$/);
    }
    expect(network.legitimate.map((c) => c.legitimate)).toEqual([true, true]);
    expect(network.campaigns.some((c) => c.language === 'es')).toBe(true);
    const plans = new Set(network.campaigns.map((c) => c.callerId.kind));
    expect(plans).toEqual(new Set(['spoofed', 'neighbour', 'pool']));
  });

  it('names a number’s previous subscriber the same way every time', () => {
    expect(subscriberName('+12025550143')).toBe(subscriberName('+12025550143'));
    expect(
      new Set(Array.from({ length: 100 }, (_, i) => subscriberName(`+120255501${i}`))).size,
    ).toBeGreaterThan(30);
  });
});
