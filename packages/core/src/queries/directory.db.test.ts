import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidCursorError } from '@hoptrace/db';
import { createProvider } from '../commands/providers';
import { setupCore } from '../testing/fixtures';
import { listProviders } from './directory';

let env: Awaited<ReturnType<typeof setupCore>>;
const ids: Record<string, string> = {};

beforeAll(async () => {
  env = await setupCore();
  const add = async (key: string, input: Parameters<typeof createProvider>[0]['input']) => {
    ids[key] = (await createProvider({ ...env.ctx(env.analyst), input })).id;
  };
  const base = { country: 'US', contacts: [], escalationContacts: [], dbaNames: [], ocns: [] };
  await add('acme', {
    ...base,
    name: 'Acme Telecom LLC',
    dbaNames: ['Roadrunner Voice'],
    ocns: ['7Q2X'],
    frn: '0001234567',
    rmdNumber: 'RMD0004321',
  });
  await add('acmeFiber', { ...base, name: 'Acme Fiber Co', ocns: ['9911'] });
  await add('globex', { ...base, name: 'Globex Communications', ocns: ['567F'] });
  await add('initech', { ...base, name: 'Initech Voice Services' });
  // Its name contains another provider's OCN: the exact OCN hit still ranks first.
  await add('decoy', { ...base, name: 'Carrier 7q2x Holdings' });
  for (let i = 0; i < 12; i++) await add(`bulk${i}`, { ...base, name: `Bulkline Voice ${i}` });
});
afterAll(() => env.close());

const search = (q: string, limit = 10, cursor?: string) =>
  listProviders({ ...env.ctx(env.analyst), query: { q, limit, cursor } });
const first = async (q: string) => (await search(q)).items[0]?.id;

describe('directory search', () => {
  it('tolerates typos, missing spaces and case, on names and DBA names', async () => {
    expect(await first('Acme Telcom')).toBe(ids.acme);
    expect(await first('acmetelecom')).toBe(ids.acme);
    expect(await first('Roadrunr Voice')).toBe(ids.acme);
    expect(await first('globx')).toBe(ids.globex);
    expect(await first('initec voice')).toBe(ids.initech);
    expect((await search('zzqxv nothing like it')).items).toEqual([]);
  });

  it('puts exact identifiers first: OCN in any case, FRN with or without zeros, filing number', async () => {
    const byOcn = await search('7q2x');
    expect(byOcn.items.map((p) => p.id).slice(0, 2)).toEqual([ids.acme, ids.decoy]);
    expect(await first('1234567')).toBe(ids.acme);
    expect(await first('0001234567')).toBe(ids.acme);
    expect(await first('rmd0004321')).toBe(ids.acme);
    expect(await first('567f')).toBe(ids.globex);
  });

  it('ranks a name prefix above a looser match', async () => {
    const acme = await search('acme');
    expect(acme.items.map((p) => p.id).sort()).toEqual([ids.acme, ids.acmeFiber].sort());
    const r = await search('acme fib');
    expect(r.items[0]?.id).toBe(ids.acmeFiber);
  });

  it('pages ranked results with a cursor, without repeats or gaps', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await search('bulkline voice', 5, cursor);
      seen.push(...page.items.map((p) => p.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toHaveLength(12);
    expect(new Set(seen).size).toBe(12);
    // A keyset cursor from the plain list is not a search cursor, and the reverse.
    const list = await listProviders({ ...env.ctx(env.analyst), query: { limit: 2 } });
    await expect(search('bulkline', 5, list.nextCursor!)).rejects.toBeInstanceOf(InvalidCursorError);
    const ranked = await search('bulkline', 5);
    await expect(
      listProviders({ ...env.ctx(env.analyst), query: { limit: 5, cursor: ranked.nextCursor! } }),
    ).rejects.toBeInstanceOf(InvalidCursorError);
  });

  it('treats LIKE wildcards and punctuation as text', async () => {
    expect((await search('%')).items).toEqual([]);
    expect((await search('_')).items).toEqual([]);
    expect((await search("o'brien \\ ( ]")).items).toEqual([]);
  });
});
