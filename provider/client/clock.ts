import { setTimeout as delay } from "node:timers/promises";

/** Time as the client sees it; tests substitute a fake one so that a 60 s wait takes no time. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Waits `ms` milliseconds, or rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    if (ms > 0) await delay(ms, undefined, { signal });
    else signal?.throwIfAborted();
  },
};
