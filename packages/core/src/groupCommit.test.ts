import { describe, expect, it } from 'vitest';
import { GroupCommit, type ItemOutcome } from './groupCommit';

/** A promise that settles when the test says so. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/** Lets every pending callback (promises, setImmediate) run. */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 5));

/** A batch runner that records the batches it is given and doubles each number. */
function recorder(opts: { hold?: Array<Promise<void>> } = {}) {
  const batches: number[][] = [];
  let running = 0;
  let mostAtOnce = 0;
  const run = async (items: number[]): Promise<Array<ItemOutcome<number>>> => {
    const n = batches.length;
    batches.push([...items]);
    running++;
    mostAtOnce = Math.max(mostAtOnce, running);
    try {
      await opts.hold?.[n];
      return items.map((i) => ({ ok: true, value: i * 2 }));
    } finally {
      running--;
    }
  };
  return { run, batches, mostAtOnce: () => mostAtOnce };
}

describe('GroupCommit', () => {
  it('puts items submitted in the same turn into one batch, each getting its own value', async () => {
    const r = recorder();
    const gc = new GroupCommit(r.run);
    const results = await Promise.all([1, 2, 3, 4, 5].map((i) => gc.submit(i)));
    expect(results).toEqual([2, 4, 6, 8, 10]);
    expect(r.batches).toEqual([[1, 2, 3, 4, 5]]);
    expect(gc.stats).toEqual({ batches: 1, items: 5 });
  });

  it('runs an item alone when idle, and does not wait for more', async () => {
    const r = recorder();
    const gc = new GroupCommit(r.run);
    const started = Date.now();
    expect(await gc.submit(7)).toBe(14);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(r.batches).toEqual([[7]]);
    expect(await gc.submit(8)).toBe(16);
    expect(r.batches).toEqual([[7], [8]]);
    expect(gc.stats).toEqual({ batches: 2, items: 2 });
    expect(gc.waiting).toBe(0);
  });

  it('takes at most maxBatch items into one batch, in submission order', async () => {
    const r = recorder();
    const gc = new GroupCommit(r.run, { maxBatch: 3, maxInFlight: 10 });
    const items = [1, 2, 3, 4, 5, 6, 7];
    const results = await Promise.all(items.map((i) => gc.submit(i)));
    expect(results).toEqual(items.map((i) => i * 2));
    expect(r.batches).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(gc.stats).toEqual({ batches: 3, items: 7 });
  });

  it('runs no more than maxInFlight batches at once; the rest wait and go together next', async () => {
    const first = gate();
    const second = gate();
    const r = recorder({ hold: [first.opened, second.opened] });
    const gc = new GroupCommit(r.run, { maxBatch: 100, maxInFlight: 1 });
    const a = gc.submit(1);
    await settle();
    // The first batch is running (held): later items queue behind it.
    expect(r.batches).toEqual([[1]]);
    const later = [2, 3, 4].map((i) => gc.submit(i));
    await settle();
    const more = [5, 6].map((i) => gc.submit(i));
    await settle();
    expect(r.batches).toEqual([[1]]);
    expect(gc.waiting).toBe(5);
    first.open();
    expect(await a).toBe(2);
    await settle();
    // Everything that waited goes in one batch.
    expect(r.batches).toEqual([[1], [2, 3, 4, 5, 6]]);
    expect(gc.waiting).toBe(0);
    second.open();
    expect(await Promise.all([...later, ...more])).toEqual([4, 6, 8, 10, 12]);
    expect(r.mostAtOnce()).toBe(1);
    expect(gc.stats).toEqual({ batches: 2, items: 6 });
  });

  it('with maxInFlight 2, lets two batches run at once, not three, when enough items wait', async () => {
    const gates = [gate(), gate(), gate()];
    const r = recorder({ hold: gates.map((g) => g.opened) });
    const gc = new GroupCommit(r.run, { maxBatch: 1, maxInFlight: 2, minOverlapBatch: 1 });
    const all = [1, 2, 3, 4].map((i) => gc.submit(i));
    await settle();
    expect(r.batches).toEqual([[1], [2]]);
    expect(gc.waiting).toBe(2);
    gates[1]!.open();
    await settle();
    expect(r.batches).toEqual([[1], [2], [3]]);
    gates[0]!.open();
    gates[2]!.open();
    expect(await Promise.all(all)).toEqual([2, 4, 6, 8]);
    expect(r.mostAtOnce()).toBe(2);
  });

  it('with two batches allowed, starts the second beside a running one only once 8 items wait', async () => {
    const gates = [gate(), gate(), gate()];
    const r = recorder({ hold: gates.map((g) => g.opened) });
    const gc = new GroupCommit(r.run, { maxInFlight: 2 });
    const first = gc.submit(0);
    await settle();
    expect(r.batches).toEqual([[0]]);
    // Seven waiting: too few to be worth a transaction beside the running one.
    const seven = [1, 2, 3, 4, 5, 6, 7].map((i) => gc.submit(i));
    await settle();
    expect(r.batches).toEqual([[0]]);
    expect(gc.waiting).toBe(7);
    // The eighth makes a batch worth running beside it.
    const eighth = gc.submit(8);
    await settle();
    expect(r.batches).toEqual([[0], [1, 2, 3, 4, 5, 6, 7, 8]]);
    expect(gc.waiting).toBe(0);
    // A few more wait while any batch runs (the second still does), then go together.
    const more = [9, 10].map((i) => gc.submit(i));
    await settle();
    expect(r.batches).toHaveLength(2);
    gates[0]!.open();
    expect(await first).toBe(0);
    await settle();
    expect(r.batches).toHaveLength(2);
    expect(gc.waiting).toBe(2);
    gates[1]!.open();
    await settle();
    expect(r.batches[2]).toEqual([9, 10]);
    gates[2]!.open();
    expect(await Promise.all([...seven, eighth, ...more])).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    expect(gc.stats).toEqual({ batches: 3, items: 11 });
  });

  it('gives each item its own value or its own error', async () => {
    const gc = new GroupCommit<number, string>(async (items) => {
      await settle();
      return items.map((i) =>
        i % 2 === 0 ? { ok: true, value: `even ${i}` } : { ok: false, error: new Error(`odd ${i}`) },
      );
    });
    const results = await Promise.allSettled([1, 2, 3, 4].map((i) => gc.submit(i)));
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      'odd 1',
      'even 2',
      'odd 3',
      'even 4',
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'rejected', 'fulfilled']);
    expect(gc.stats).toEqual({ batches: 1, items: 4 });
  });

  it('rejects an item the batch returned no outcome for', async () => {
    const gc = new GroupCommit<number, number>(async (items) => {
      await settle();
      return items.slice(1).map((i) => ({ ok: true, value: i }));
    });
    const results = await Promise.allSettled([1, 2].map((i) => gc.submit(i)));
    expect(results[0]).toEqual({ status: 'fulfilled', value: 2 });
    expect(results[1]!.status).toBe('rejected');
  });

  it('rejects every item of a batch whose run throws, and still runs later batches', async () => {
    let calls = 0;
    const boom = new Error('the batch failed');
    const gc = new GroupCommit<number, number>(
      async (items) => {
        await settle();
        calls++;
        if (calls === 1) throw boom;
        return items.map((i) => ({ ok: true, value: i + 100 }));
      },
      { maxBatch: 2, maxInFlight: 1 },
    );
    const results = await Promise.allSettled([1, 2, 3].map((i) => gc.submit(i)));
    expect(results).toEqual([
      { status: 'rejected', reason: boom },
      { status: 'rejected', reason: boom },
      { status: 'fulfilled', value: 103 },
    ]);
    // Nothing is stuck: the batcher is idle again and takes new items.
    expect(await gc.submit(4)).toBe(104);
    expect(gc.stats).toEqual({ batches: 3, items: 4 });
    expect(gc.waiting).toBe(0);
  });

  it('treats maxBatch and maxInFlight below 1 as 1', async () => {
    const r = recorder();
    const gc = new GroupCommit(r.run, { maxBatch: 0, maxInFlight: 0 });
    expect(await Promise.all([1, 2].map((i) => gc.submit(i)))).toEqual([2, 4]);
    expect(r.batches).toEqual([[1], [2]]);
    expect(r.mostAtOnce()).toBe(1);
  });
});
