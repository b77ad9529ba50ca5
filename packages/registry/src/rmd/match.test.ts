import { describe, expect, it } from 'vitest';
import { dataSuiteName, runDataSuite, seededRandom, sharedData } from '../testing/sharedData';
import { createProviderMatcher, matchFiling } from './match';
import type { DirectoryProvider, MatchCandidate } from './match';
import { distinctiveName, nameVariants, normaliseName, trigramSimilarity, trigrams } from './names';
import { parseRmdFile } from './parse';
import type { RmdFiling } from './types';

function filing(overrides: Partial<RmdFiling>): RmdFiling {
  return {
    filingNumber: null,
    frn: null,
    businessName: 'Unnamed',
    dbaNames: [],
    previousDbaNames: [],
    otherFrns: [],
    address: null,
    country: null,
    foreignProvider: null,
    implementation: 'unknown',
    providerTypes: { voice: null, gateway: null, intermediate: null },
    contact: {
      name: null,
      title: null,
      department: null,
      address: null,
      country: null,
      phone: null,
      phoneE164: null,
      extension: null,
      email: null,
    },
    lastUpdated: null,
    filingUrl: null,
    line: 2,
    ...overrides,
  };
}

const directory: DirectoryProvider[] = [
  {
    id: 'p-harbor',
    name: 'Harbor Point Voice, Inc.',
    dbaNames: ['HPV'],
    frn: '31000001',
    rmdNumber: 'rmd0090101',
    address: '12 Pier Road, Suite 4, Portland ME 04101',
  },
  { id: 'p-kestrel', name: 'Kestrel Line LLC', dbaNames: [], frn: '0031000002', rmdNumber: null },
  { id: 'p-smith', name: 'Smith & Sons Telephone Co.', dbaNames: [], frn: null, rmdNumber: null },
  { id: 'p-bluewave', name: 'Bluewave Telecom', dbaNames: ['Blue Wave Voice'], frn: null, rmdNumber: null },
  { id: 'p-redwave', name: 'Redwave Telecom', dbaNames: [], frn: null, rmdNumber: null },
  { id: 'p-generic', name: 'Communications, Inc.', dbaNames: [], frn: null, rmdNumber: null },
  { id: 'p-osprey', name: 'Osprey Dial Company', dbaNames: [], frn: '0031000003', rmdNumber: null },
];

const matcher = createProviderMatcher(directory);
const ids = (candidates: MatchCandidate[]) => candidates.map((c) => [c.providerId, c.strength]);

describe('name normalisation', () => {
  it('sets aside case, punctuation, "&" and corporate suffixes', () => {
    expect(normaliseName('Smith & Sons Telephone Co.')).toBe(normaliseName('SMITH AND SONS TELEPHONE, INC'));
    expect(normaliseName('Acme Telecom, L.L.C.')).toBe('acme telecom');
    expect(normaliseName('The Prairie Fiber Co-operative Corp')).toBe('prairie fiber cooperative');
    expect(normaliseName('Crédit Téléphonique Ltd')).toBe('credit telephonique');
    expect(normaliseName('Co-Mo Electric Cooperative')).toBe('como electric cooperative');
    // A name that is only a suffix keeps it rather than vanishing.
    expect(normaliseName('LLC')).toBe('llc');
    expect(normaliseName(' ...')).toBeNull();
  });

  it('splits "doing business as" and "also known as" names', () => {
    expect(nameVariants('Kestrel Line LLC d/b/a FastCall')).toEqual(['Kestrel Line LLC', 'FastCall']);
    expect(
      nameVariants('Network Communications International Corp. a/k/a NCIC Inmate Communications'),
    ).toEqual(['Network Communications International Corp.', 'NCIC Inmate Communications']);
    expect(nameVariants('Osprey Dial (dba Osprey Voice)')).toEqual(['Osprey Dial', 'Osprey Voice']);
    expect(nameVariants('Adbard Telecom')).toEqual(['Adbard Telecom']);
  });

  it('drops generic industry words for similarity', () => {
    expect(distinctiveName('bluewave telecom')).toBe('bluewave');
    expect(distinctiveName('communications')).toBe('');
  });

  it('computes pg_trgm similarity', () => {
    expect(trigramSimilarity(trigrams('kestrel line'), trigrams('kestrel line'))).toBe(1);
    expect(trigramSimilarity(trigrams('kestrel line'), trigrams('kestral line'))).toBeCloseTo(0.625, 3);
    expect(trigramSimilarity(trigrams('abc'), trigrams('xyz'))).toBe(0);
  });
});

describe('createProviderMatcher', () => {
  it('links strongly by filing number and by FRN', () => {
    const byNumber = matcher.match(filing({ filingNumber: 'RMD0090101', businessName: 'Something Else' }));
    expect(ids(byNumber)).toEqual([['p-harbor', 'strong']]);
    expect(byNumber[0]?.reasons).toEqual([{ kind: 'filing_number', value: 'RMD0090101' }]);

    const byFrn = matcher.match(filing({ frn: '0031000002', businessName: 'Kestrel Line LLC' }));
    expect(ids(byFrn)).toEqual([['p-kestrel', 'strong']]);
    expect(byFrn[0]?.reasons.map((r) => r.kind)).toEqual(['frn', 'same_name']);
    expect(byFrn[0]?.score).toBe(1);
  });

  it("only proposes a provider whose FRN is among the filing's other FRNs", () => {
    const result = matcher.match(
      filing({ frn: '0099999999', otherFrns: ['0031000003'], businessName: 'Fulmar' }),
    );
    expect(ids(result)).toEqual([['p-osprey', 'weak']]);
    expect(result[0]?.reasons).toEqual([{ kind: 'other_frn', value: '0031000003' }]);
  });

  it('proposes equal names and DBA names as weak, never strong', () => {
    expect(ids(matcher.match(filing({ businessName: 'SMITH AND SONS TELEPHONE, INC' })))).toEqual([
      ['p-smith', 'weak'],
    ]);
    const viaDba = matcher.match(
      filing({ businessName: 'Tidewater Holdings', dbaNames: ['Blue Wave Voice LLC'] }),
    );
    expect(viaDba[0]).toMatchObject({
      providerId: 'p-bluewave',
      strength: 'weak',
      score: 1,
      reasons: [{ kind: 'same_name', filingName: 'Blue Wave Voice LLC', providerName: 'Blue Wave Voice' }],
    });
  });

  it('proposes typo-close names with their similarity, not names that share only generic words', () => {
    const typo = matcher.match(filing({ businessName: 'Kestral Line, L.L.C.' }));
    expect(typo).toEqual([
      expect.objectContaining({
        providerId: 'p-kestrel',
        strength: 'weak',
        score: 0.625,
        reasons: [expect.objectContaining({ kind: 'similar_name', similarity: 0.625 })],
      }),
    ]);
    const bluewave = matcher.match(filing({ businessName: 'Bluewave Telecommunications, Inc.' }));
    expect(ids(bluewave)).toEqual([['p-bluewave', 'weak']]);
    expect(matcher.match(filing({ businessName: 'Caztel Communications Inc.' }))).toEqual([]);
    expect(matcher.match(filing({ businessName: 'Greenwave Telecom' }))).toEqual([]);
  });

  it('notes whether the addresses agree, as corroboration only', () => {
    const result = matcher.match(
      filing({ businessName: 'Harbor Point Voice LLC', address: '12 Pier Rd\nSte 4\nPortland ME 04101' }),
    );
    expect(result[0]).toMatchObject({ providerId: 'p-harbor', strength: 'weak', addressMatches: true });
    const elsewhere = matcher.match(filing({ businessName: 'Harbor Point Voice LLC', address: '1 Elm St' }));
    expect(elsewhere[0]?.addressMatches).toBe(false);
  });

  it('orders strong before weak, then by score, and caps the weak candidates', () => {
    const result = matchFiling(
      filing({ frn: '0031000003', businessName: 'Kestrel Lines', dbaNames: ['Harbor Point Voices'] }),
      directory,
      { maxWeakCandidates: 1 },
    );
    expect(result[0]).toMatchObject({ providerId: 'p-osprey', strength: 'strong' });
    expect(result).toHaveLength(2);
    expect(result[1]?.strength).toBe('weak');
  });

  it('finds exactly the names a brute-force scan finds (the prefix filter loses nothing)', () => {
    const words = [
      'north',
      'star',
      'prairie',
      'harbor',
      'kestrel',
      'osprey',
      'tern',
      'bluff',
      'cedar',
      'ridge',
    ];
    const random = seededRandom(7);
    const word = () => {
      const w = words[Math.floor(random() * words.length)] ?? 'x';
      // Some typos: drop or double a letter.
      const at = Math.floor(random() * w.length);
      const r = random();
      return r < 0.2 ? w.slice(0, at) + w.slice(at + 1) : r < 0.4 ? w.slice(0, at) + w[at] + w.slice(at) : w;
    };
    const name = () => Array.from({ length: 1 + Math.floor(random() * 3) }, word).join(' ');
    const providers: DirectoryProvider[] = Array.from({ length: 400 }, (_, i) => ({
      id: `p${i}`,
      name: name(),
      dbaNames: [],
      frn: null,
      rmdNumber: null,
    }));
    for (const threshold of [0.3, 0.6, 0.8]) {
      const m = createProviderMatcher(providers, { similarityThreshold: threshold, maxWeakCandidates: 1000 });
      for (let q = 0; q < 100; q++) {
        const query = name();
        const got = m
          .match(filing({ businessName: query }))
          .map((c) => c.providerId)
          .sort();
        const queryGrams = trigrams(distinctiveName(normaliseName(query) ?? ''));
        const expected = providers
          .filter((p) => {
            const n = normaliseName(p.name) ?? '';
            return (
              n === normaliseName(query) ||
              trigramSimilarity(queryGrams, trigrams(distinctiveName(n))) >= threshold
            );
          })
          .map((p) => p.id)
          .sort();
        expect(got).toEqual(expected);
      }
    }
  });
});

describe.runIf(runDataSuite)(dataSuiteName('matching the FCC listing against a directory'), () => {
  it('links by FRN every 7-column filing whose provider the directory holds', async () => {
    const known = await parseRmdFile(sharedData('rmd', 'rmd-export-2025-01.csv'));
    const listing = await parseRmdFile(sharedData('rmd', 'rmd-all-filings-7cols.csv'));
    const providers: DirectoryProvider[] = known.records.map((r) => ({
      id: r.filingNumber ?? '',
      name: r.businessName ?? '',
      dbaNames: r.dbaNames,
      frn: r.frn,
      rmdNumber: r.filingNumber,
      address: r.address,
    }));
    const m = createProviderMatcher(providers);
    const results = listing.records.map((f) => m.match(f));
    const strong = results.filter((c) => c[0]?.strength === 'strong').length;
    expect(strong).toBe(7346);
    // A strong link always rests on an identifier, never on a name alone.
    for (const candidates of results)
      for (const c of candidates.filter((x) => x.strength === 'strong'))
        expect(c.reasons.some((r) => r.kind === 'frn' || r.kind === 'filing_number')).toBe(true);
  });
});
