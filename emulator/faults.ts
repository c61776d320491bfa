/**
 * The faults the emulator can inject, decided per request: latency, rate
 * limits of any shape (see `rateLimits.ts`), per partner and per customer,
 * answering 429 with `Retry-After`, service and gateway failures, dropped connections,
 * malformed or truncated JSON, bodies slower than a timeout, and 401s for an
 * expired token. Random choices come from a seeded generator, so a run can be
 * repeated.
 */

import { createLimiter, type Limiter } from "./rateLimits";
import type { RateLimit } from "./rateLimits";

export type { RateLimit } from "./rateLimits";

/** What to inject. Rates are fractions of requests, 0 to 1. */
export interface FaultSettings {
  /** Added before every answer: a fixed delay or a uniform range, in ms. */
  latencyMs?: number | { min: number; max: number };
  /** The limit for the whole partner. */
  partnerRateLimit?: RateLimit;
  /** The limit for each customer. */
  customerRateLimit?: RateLimit;
  /** Fraction answered 500, 502, 503 or 504 (evenly); the gateway ones with HTML or empty bodies. */
  serverErrorRate?: number;
  /** Fraction whose connection is dropped without an answer. */
  dropRate?: number;
  /** Fraction of PATCHes applied whose answer is then lost (the connection dropped after the write). */
  dropAnsweredWritesRate?: number;
  /** Fraction answered 404 with an HTML page by a gateway in front of the service (a misrouted proxy, a wrong path), not by Partner Center. */
  gatewayNotFoundRate?: number;
  /** Fraction of successful answers sent as truncated JSON. */
  malformedRate?: number;
  /** Fraction of successful answers whose body stalls for `slowBodyMs` half-way. */
  slowBodyRate?: number;
  /** How long a slow body stalls (default 60 s). */
  slowBodyMs?: number;
  /** Error answers quote the request back (method, path, Authorization header, body), as careless services do. */
  echoRequestsInErrors?: boolean;
  /** Seed of the random choices. */
  seed?: number;
}

/** How many of each fault the emulator injected. */
export interface FaultCounters {
  throttled: number;
  status500: number;
  status502: number;
  status503: number;
  status504: number;
  dropped: number;
  malformed: number;
  slowBody: number;
  unauthorized: number;
  gatewayNotFound: number;
}

/** The fault chosen for one request before it is served. */
export type RequestFault =
  | { kind: "drop" }
  | { kind: "throttle"; retryAfterSeconds: number; scope: "partner" | "customer" }
  | { kind: "serverError"; status: 500 | 502 | 503 | 504 }
  | { kind: "gatewayNotFound" }
  | { kind: "unauthorized" };

/** The fault chosen for a successful answer. */
export type AnswerFault = { kind: "malformed" } | { kind: "slowBody"; stallMs: number } | { kind: "drop" } | undefined;

/** A small seeded generator (mulberry32): uniform numbers in [0, 1). */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SERVER_ERRORS = [500, 502, 503, 504] as const;

/** Decides and counts the faults of one emulator. */
export class FaultInjector {
  readonly counters: FaultCounters = {
    throttled: 0,
    status500: 0,
    status502: 0,
    status503: 0,
    status504: 0,
    dropped: 0,
    malformed: 0,
    slowBody: 0,
    unauthorized: 0,
    gatewayNotFound: 0,
  };
  #settings: FaultSettings = {};
  #random: () => number = seededRandom(1);
  #partnerLimiter: Limiter | undefined;
  readonly #customerLimiters = new Map<string, Limiter>();
  #unauthorizedLeft = 0;

  /** @param settings - the faults to inject from the start */
  constructor(settings: FaultSettings = {}) {
    this.configure(settings);
  }

  /** Replaces the fault settings (and resets the rate limits' state). */
  configure(settings: FaultSettings): void {
    this.#settings = { ...settings };
    this.#random = seededRandom(settings.seed ?? Math.floor(Math.random() * 2 ** 31));
    this.#partnerLimiter = undefined;
    this.#customerLimiters.clear();
  }

  /** A copy of the partner-wide limit's state now (a fresh one before the first request); undefined without a partner-wide limit. For benchmarks' bounds. */
  partnerLimiterSnapshot(): Limiter | undefined {
    const limit = this.#settings.partnerRateLimit;
    if (!limit) return undefined;
    return (this.#partnerLimiter ?? createLimiter(limit)).clone();
  }

  /** The next `count` requests are refused with 401, as for an expired token. */
  expireTokenForNext(count: number): void {
    this.#unauthorizedLeft = count;
  }

  /** Whether error answers quote the request back. */
  get echoesRequests(): boolean {
    return this.#settings.echoRequestsInErrors === true;
  }

  /** The latency to add to this request, in ms. */
  latencyMs(): number {
    const latency = this.#settings.latencyMs;
    if (latency === undefined) return 0;
    if (typeof latency === "number") return latency;
    return latency.min + this.#random() * (latency.max - latency.min);
  }

  /**
   * Chooses the fault for a request, in the order a real deployment meets
   * them: the connection, the gateway's rate limits, the service's failures,
   * the token.
   *
   * @param customerId - the customer the request is about, if any
   * @param now - the time in ms
   */
  beforeServing(customerId: string | undefined, now: number): RequestFault | undefined {
    const settings = this.#settings;
    if (this.#chance(settings.dropRate)) {
      this.counters.dropped += 1;
      return { kind: "drop" };
    }
    if (this.#chance(settings.gatewayNotFoundRate)) {
      this.counters.gatewayNotFound += 1;
      return { kind: "gatewayNotFound" };
    }
    if (settings.partnerRateLimit) {
      this.#partnerLimiter ??= createLimiter(settings.partnerRateLimit);
      const wait = this.#partnerLimiter.take(now);
      if (wait > 0) return this.#throttle(wait, "partner");
    }
    if (settings.customerRateLimit && customerId !== undefined) {
      let limiter = this.#customerLimiters.get(customerId);
      if (!limiter) this.#customerLimiters.set(customerId, (limiter = createLimiter(settings.customerRateLimit)));
      const wait = limiter.take(now);
      if (wait > 0) return this.#throttle(wait, "customer");
    }
    if (this.#chance(settings.serverErrorRate)) {
      const status = SERVER_ERRORS[Math.floor(this.#random() * SERVER_ERRORS.length)] ?? 500;
      this.counters[`status${status}`] += 1;
      return { kind: "serverError", status };
    }
    if (this.#unauthorizedLeft > 0) {
      this.#unauthorizedLeft -= 1;
      this.counters.unauthorized += 1;
      return { kind: "unauthorized" };
    }
    return undefined;
  }

  /** Chooses the fault for a successful answer (`write`: the request changed something). */
  answering(write = false): AnswerFault {
    if (write && this.#chance(this.#settings.dropAnsweredWritesRate)) {
      this.counters.dropped += 1;
      return { kind: "drop" };
    }
    if (this.#chance(this.#settings.malformedRate)) {
      this.counters.malformed += 1;
      return { kind: "malformed" };
    }
    if (this.#chance(this.#settings.slowBodyRate)) {
      this.counters.slowBody += 1;
      return { kind: "slowBody", stallMs: this.#settings.slowBodyMs ?? 60_000 };
    }
    return undefined;
  }

  /** Whether a random draw falls under `rate`; draws only when a rate is set, so unset faults do not shift the sequence. */
  #chance(rate: number | undefined): boolean {
    return rate !== undefined && rate > 0 && this.#random() < rate;
  }

  #throttle(retryAfterSeconds: number, scope: "partner" | "customer"): RequestFault {
    this.counters.throttled += 1;
    return { kind: "throttle", retryAfterSeconds, scope };
  }
}
