/**
 * The partner throttle on simulated time (test/support/limitSimulation.ts):
 * how close to the bound 1,200 requests (a 600-budget create) finish under
 * each limit shape, and what share was answered 429, against a target for
 * each. Discrete events, no timers: every case takes microseconds, so `npm
 * run bench` runs them all before its cells. The targets catch a regression
 * of the throttle as it is; they are not the judge of a new design, which is
 * the side-by-side run through the real CLI (`--packages`). The unit tests
 * (test/unit/adaptiveRate.test.ts) hold what it must do.
 */
import { createLimiter, parseRateLimit, type Limiter, type RateLimit } from "pulumi-partnercenter/emulator";
import { simulateLimit } from "../test/support/limitSimulation";
import { earliestFinish } from "./bound";

/** Requests per case: a 600-budget create reads and writes each budget. */
const REQUESTS = 1200;

/** One case: a limit, the parallelism and latency, and the targets it is held to. */
export interface ThrottleCase {
  /** The limit in the command line's words. */
  limit: string;
  parallel: number;
  latencyMs: number;
  /** Requests of another process in the limit's window when this one starts (3 s before it). */
  usedBefore?: number;
  /** The least bound / finish. */
  targetRatio: number;
  /** The largest share of requests answered 429 (none held to). */
  targetShare?: number;
}

/**
 * Every shape averages 100 requests/s. The targets are the figures of the CUBIC throttle (issue 26) less
 * about 0.02, and its 429 share plus about half a point. A bucket with a burst of 10 shows its rate only by probing
 * (each probe past it costs a 1-s pause), hence its lower targets.
 */
export const THROTTLE_CASES: readonly ThrottleCase[] = [
  { limit: "bucket:100", parallel: 16, latencyMs: 40, targetRatio: 0.94, targetShare: 0.03 },
  { limit: "bucket:100", parallel: 64, latencyMs: 300, targetRatio: 0.9, targetShare: 0.06 },
  { limit: "fixed:600/6", parallel: 8, latencyMs: 40, targetRatio: 0.94, targetShare: 0.01 },
  { limit: "fixed:600/6", parallel: 16, latencyMs: 40, targetRatio: 0.82, targetShare: 0.02 },
  // A window met part-way through: a new process after another's 300 requests.
  { limit: "fixed:600/6", parallel: 16, latencyMs: 40, usedBefore: 300, targetRatio: 0.92 },
  { limit: "sliding:600/6", parallel: 16, latencyMs: 40, targetRatio: 0.82, targetShare: 0.02 },
  { limit: "sliding:600/6", parallel: 64, latencyMs: 300, targetRatio: 0.77, targetShare: 0.055 },
  { limit: "bucket:100:10", parallel: 16, latencyMs: 40, targetRatio: 0.51, targetShare: 0.025 },
  { limit: "bucket:100:10", parallel: 64, latencyMs: 300, targetRatio: 0.6, targetShare: 0.08 },
];

/** What one case measured, and whether it met its targets. */
export interface ThrottleFigures extends ThrottleCase {
  boundMs: number;
  finishMs: number;
  /** bound / finish: 1 is as fast as the limit and the parallelism allow. */
  ratio: number;
  throttledShare: number;
  meetsTargets: boolean;
}

/** The limiter in the state the case starts from. */
function limiterOf(limit: RateLimit, usedBefore: number): Limiter {
  const limiter = createLimiter(limit);
  for (let i = 0; i < usedBefore; i++) limiter.take(-3000);
  return limiter;
}

/** Runs one case on simulated time. */
export function measureThrottle(throttleCase: ThrottleCase): ThrottleFigures {
  const limit = parseRateLimit(throttleCase.limit);
  if (typeof limit === "string") throw new Error(`${throttleCase.limit}: ${limit}`);
  const { parallel, latencyMs } = throttleCase;
  const usedBefore = throttleCase.usedBefore ?? 0;
  const run = simulateLimit(limit, { requests: REQUESTS, parallel, latencyMs, server: limiterOf(limit, usedBefore) });
  const boundMs = earliestFinish(
    limiterOf(limit, usedBefore),
    0,
    new Array<number>(REQUESTS).fill(1),
    parallel,
    latencyMs,
  );
  const ratio = boundMs / run.finishMs;
  const throttledShare = run.throttled / run.sent;
  return {
    ...throttleCase,
    boundMs,
    finishMs: run.finishMs,
    ratio,
    throttledShare,
    meetsTargets: ratio >= throttleCase.targetRatio && throttledShare <= (throttleCase.targetShare ?? 1),
  };
}

/** The case's conditions in one line. */
export function describeCase(throttleCase: ThrottleCase): string {
  const before = throttleCase.usedBefore ? `, ${throttleCase.usedBefore} used before` : "";
  return `${throttleCase.limit}, --parallel ${throttleCase.parallel}, ${throttleCase.latencyMs} ms${before}`;
}

/** A Markdown table of the cases, a case below a target marked. */
export function throttleTable(figures: readonly ThrottleFigures[]): string {
  const rows = figures.map((f) => {
    const share = `${(f.throttledShare * 100).toFixed(1)} %${f.targetShare === undefined ? "" : ` (at most ${(f.targetShare * 100).toFixed(1)} %)`}`;
    return `| ${describeCase(f)} | ${(f.boundMs / 1000).toFixed(2)} | ${(f.finishMs / 1000).toFixed(2)} | ${f.ratio.toFixed(3)} (at least ${f.targetRatio}) | ${share} | ${f.meetsTargets ? "yes" : "**no**"} |`;
  });
  return [
    "| case | bound s | finish s | bound/finish | 429 share | meets targets |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}
