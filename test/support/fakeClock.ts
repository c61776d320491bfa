import type { Clock } from "../../provider/client/clock";

interface Timer {
  at: number;
  resolve: () => void;
}

/**
 * A clock whose time only moves when the test says so. `sleep` waits for
 * `advance` to reach its time, so a 60 s Retry-After is tested in no time and
 * every wait is observed exactly.
 */
export class FakeClock implements Clock {
  #now: number;
  #timers: Timer[] = [];
  /** Every wait asked for, in order (ms). */
  readonly sleeps: number[] = [];

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      const timer: Timer = { at: this.#now + Math.max(0, ms), resolve };
      this.#timers.push(timer);
      signal?.addEventListener(
        "abort",
        () => {
          this.#timers = this.#timers.filter((t) => t !== timer);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  /** Moves time forward by `ms`, waking each sleeper in time order and letting its continuation run. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (let guard = 0; guard < 100_000; guard++) {
      await flush();
      const next = this.#timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.#now = next.at;
      this.#timers = this.#timers.filter((t) => t !== next);
      next.resolve();
    }
    this.#now = target;
    await flush();
  }

  /** Sleepers not yet woken. */
  get pending(): number {
    return this.#timers.length;
  }
}

/** Lets every queued promise continuation run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
