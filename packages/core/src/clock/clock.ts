/**
 * Time is an input (MAP.md): every rule that depends on time takes a Clock, so
 * tests and the simulator can run days in a second.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told to; for tests and the simulator. */
export class ManualClock implements Clock {
  #ms: number;
  constructor(start: Date | string | number) {
    this.#ms = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.#ms);
  }
  set(at: Date | string | number): void {
    this.#ms = new Date(at).getTime();
  }
  advance(ms: number): Date {
    this.#ms += ms;
    return this.now();
  }
}

export const HOUR_MS = 3_600_000;
