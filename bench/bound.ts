import { admitAt, type Limiter } from "pulumi-partnercenter/emulator";

/**
 * The earliest a phase can finish under both the service's limit and the
 * engine's parallelism: `parallel` steps at a time, each step sending its
 * operation's requests one after another, each request taking `latencyMs`,
 * and each sent the moment both its step is ready and the limit (from the
 * state it is in, which is not changed) would accept it. Requests meet the
 * limit in the order they are ready; operations start longest first.
 *
 * @param requestsPerOperation - how many requests each operation needs
 * @returns the time (ms) the last answer arrives
 */
export function earliestFinish(
  limiter: Limiter | undefined,
  from: number,
  requestsPerOperation: number[],
  parallel: number,
  latencyMs: number,
): number {
  const limit = limiter?.clone();
  const waiting = [...requestsPerOperation].sort((a, b) => b - a);
  const steps = Array.from({ length: Math.max(1, parallel) }, () => ({ ready: from, left: waiting.shift() ?? 0 }));
  let lastTaken = from;
  let finish = from;
  // Bounded: every pass sends one request of a finite total.
  for (;;) {
    let next: (typeof steps)[number] | undefined;
    for (const step of steps) if (step.left > 0 && (next === undefined || step.ready < next.ready)) next = step;
    if (!next) return finish;
    const ready = Math.max(next.ready, lastTaken);
    const time = limit ? admitAt(limit, ready) : ready;
    lastTaken = time;
    next.ready = time + latencyMs;
    next.left -= 1;
    finish = Math.max(finish, next.ready);
    if (next.left === 0) next.left = waiting.shift() ?? 0;
  }
}
