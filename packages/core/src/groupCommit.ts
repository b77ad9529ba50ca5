/** What became of one item of a batch. */
export type ItemOutcome<O> = { ok: true; value: O } | { ok: false; error: unknown };

export interface GroupCommitOptions {
  /** The most items one batch takes (default 64). */
  maxBatch?: number;
  /**
   * How many batches may run at once (default 2). A batch spends most of its time waiting for its
   * two round trips and the COMMIT's flush to disk; a second one in flight fills those waits. On
   * the benchmark machine two gave 7–10 % more answers a second than one; more than two only
   * makes batches smaller and transactions contend (they key-share the same provider rows).
   */
  maxInFlight?: number;
  /**
   * While a batch runs, another starts only once this many items wait (default 8); fewer wait
   * for the running batch to end. Small batches beside a running one would cost a transaction
   * each and gain nothing; an idle system still runs a lone item at once.
   */
  minOverlapBatch?: number;
}

/**
 * Group commit: callers submit one item each and get its own result; items that
 * arrive while earlier batches are running wait and go together in the next one.
 * An idle system runs an item at once (a batch of one, after the current turn of
 * the event loop, so requests read in the same turn share a batch); a busy one
 * makes its batches larger instead of queueing transactions, which is what keeps
 * the cost of an answer flat under load.
 */
export class GroupCommit<I, O> {
  private queue: Array<{ item: I; resolve: (value: O) => void; reject: (error: unknown) => void }> = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  private readonly minOverlapBatch: number;

  constructor(
    private readonly run: (items: I[]) => Promise<Array<ItemOutcome<O>>>,
    opts: GroupCommitOptions = {},
  ) {
    this.maxBatch = Math.max(1, opts.maxBatch ?? 64);
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? 2);
    this.minOverlapBatch = Math.max(1, opts.minOverlapBatch ?? 8);
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  /** Batches run and items they carried since this was made (for metrics and the benchmark). */
  readonly stats = { batches: 0, items: 0 };

  /** Items waiting for a batch (for metrics and tests). */
  get waiting(): number {
    return this.queue.length;
  }

  private pump(): void {
    while (
      this.inFlight < this.maxInFlight &&
      this.queue.length > 0 &&
      (this.inFlight === 0 || this.queue.length >= this.minOverlapBatch)
    ) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      this.stats.batches++;
      this.stats.items += batch.length;
      // The next batch starts before this one's callers hear back: its first round trips to the
      // database then overlap the work of replying to these (serialising, writing the responses).
      const finished = () => {
        this.inFlight--;
        this.pump();
      };
      // Through a promise, so a run that throws at once rejects its batch like one that fails later.
      Promise.resolve()
        .then(() => this.run(batch.map((b) => b.item)))
        .then(
          (outcomes) => {
            finished();
            batch.forEach((b, i) => {
              const o = outcomes[i];
              if (!o) b.reject(new Error('group commit: the batch returned no outcome for an item'));
              else if (o.ok) b.resolve(o.value);
              else b.reject(o.error);
            });
          },
          (error: unknown) => {
            finished();
            batch.forEach((b) => b.reject(error));
          },
        );
    }
  }
}
