import { createLimiter, type Limiter, type RateLimit } from "../../emulator/rateLimits";
import { PartnerThrottle } from "../../provider/client/throttle/partnerThrottle";

/** What the simulation drives: when a request may go, and what its answer says. */
export interface SimulatedThrottle {
  nextSendTime(now: number): number;
  sent(now: number): number;
  answered(now: number, sentAt: number, throttled: boolean, retryAfterMs: number | undefined): void;
}

/** What a simulated run measured. */
export interface SimulatedRun {
  /** When the last answer arrived (ms). */
  finishMs: number;
  /** Requests sent, 429s included. */
  sent: number;
  /** 429 answers. */
  throttled: number;
  /** Requests accepted: all of them unless the throttle never let the rest go. */
  accepted: number;
}

/**
 * Sends `requests` requests through a {@link PartnerThrottle} (or another {@link SimulatedThrottle}) to a server with
 * the given limit, on simulated time: at most `parallel` in flight, each
 * answered `latencyMs` after it is sent (by `server`, a limiter in the state given, or a fresh one) (the server decides on arrival of the
 * answer, as the emulator does); a 429 is sent again when the throttle allows.
 * Discrete events, no timers: the whole run takes microseconds.
 */
export function simulateLimit(
  limit: RateLimit,
  options: { requests: number; parallel: number; latencyMs: number; throttle?: SimulatedThrottle; server?: Limiter },
): SimulatedRun {
  const server = options.server ?? createLimiter(limit);
  const throttle = options.throttle ?? new PartnerThrottle();
  const inFlight: { answerAt: number; sentAt: number }[] = [];
  let now = 0;
  let done = 0;
  let pending = options.requests;
  let sent = 0;
  let throttled = 0;
  // Bounded: each pass either sends, answers or advances time to the next event; the cap stops a throttle that never lets go.
  for (let pass = 0; pass < 50 * options.requests + 10_000 && done < options.requests; pass++) {
    const sendAt =
      pending > 0 && inFlight.length < options.parallel ? throttle.nextSendTime(now) : Number.POSITIVE_INFINITY;
    const nextAnswer = inFlight.reduce(
      (soonest, request) => Math.min(soonest, request.answerAt),
      Number.POSITIVE_INFINITY,
    );
    if (sendAt <= now && sendAt <= nextAnswer) {
      inFlight.push({ answerAt: now + options.latencyMs, sentAt: throttle.sent(now) });
      pending -= 1;
      sent += 1;
      continue;
    }
    if (nextAnswer <= sendAt) {
      now = Math.max(now, nextAnswer);
      const index = inFlight.findIndex((request) => request.answerAt === nextAnswer);
      const [request] = inFlight.splice(index, 1);
      const wait = server.take(now);
      if (wait === 0) {
        throttle.answered(now, request!.sentAt, false, undefined);
        done += 1;
      } else {
        throttled += 1;
        throttle.answered(now, request!.sentAt, true, wait * 1000);
        pending += 1;
      }
      continue;
    }
    now = sendAt;
  }
  return { finishMs: now, sent, throttled, accepted: done };
}
