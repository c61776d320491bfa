import { randomUUID } from "node:crypto";
import type { Clock } from "./clock";

/**
 * One resource operation: its correlation id (`MS-CorrelationId`, shared by
 * all its requests) and its deadline (`partnercenter:timeoutSeconds`).
 *
 * The deadline runs from the operation's first turn to send, not from when
 * it was asked for: an operation queued behind thousands of others (10,000
 * budgets at the service's rate) is waiting its turn, not failing to finish.
 * A pause that alone outlasts a whole timeout still fails a queued operation
 * at once (see the scheduler).
 */
export class OperationContext {
  /** The correlation id shared by all requests of the operation. */
  readonly correlationId = randomUUID();
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  readonly #controller = new AbortController();
  #deadline: number | undefined;

  /**
   * @param timeoutMs - how long the operation may take from its first turn, retries and waits included
   * @param clock - the time source
   */
  constructor(timeoutMs: number, clock: Clock) {
    this.#timeoutMs = timeoutMs;
    this.#clock = clock;
  }

  /** When the operation must end (clock ms): from its first turn; before that, as if it began now. */
  get deadline(): number {
    return this.#deadline ?? this.#clock.now() + this.#timeoutMs;
  }

  /** Aborts waits and requests at the deadline. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Starts the deadline at the operation's first turn to send (later calls do nothing). */
  start(): void {
    if (this.#deadline !== undefined) return;
    this.#deadline = this.#clock.now() + this.#timeoutMs;
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    timeout.addEventListener("abort", () => this.#controller.abort(timeout.reason), { once: true });
  }
}
