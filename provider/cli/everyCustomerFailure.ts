/**
 * When a failure to read one budget means every other read would fail the
 * same way, so that the command stops instead of asking Partner Center for
 * 2,000 budgets with a token it refuses. The rule:
 * - any HTTP 401 (after the client's one token renewal): Partner Center
 *   refused the token, and a token is the partner's, not a customer's;
 * - any failure to get a token at all (Entra ID refused the credential or
 *   could not be reached, a token file cannot be read): no request can go;
 * - HTTP 403 without Partner Center's code 20002, when it is the answer to
 *   each of the first reads (up to {@link FIRST_READS}) and nothing else came
 *   first: the credential lacks the permission. Once any other answer has
 *   come, a 403 is one customer's. A 403 with code 20002 (no relationship
 *   with that customer) is always one customer's.
 */
import { hasCode, NO_RELATIONSHIP, PartnerCenterStatusError, StoppedForEveryCustomerError } from "../shared/errors";

/** How many first reads must all be refused with a 403 for it to count as the credential's, not a customer's. */
export const FIRST_READS = 3;

/** Whether an error is a 401, or a token that could not be had: it applies to every request. */
function refusesEveryRequest(error: unknown): boolean {
  if (error instanceof PartnerCenterStatusError) return error.status === 401;
  return (
    hasCode(error, "PC_ERR_CREDENTIAL") ||
    hasCode(error, "PC_ERR_ENTRA_UNREACHABLE") ||
    hasCode(error, "PC_ERR_SETTING")
  );
}

/** Whether an error is a 403 that is not about one customer's relationship. */
function forbidsWithoutReason(error: unknown): boolean {
  return error instanceof PartnerCenterStatusError && error.status === 403 && error.serviceCode !== NO_RELATIONSHIP;
}

/** Watches the answers to budget reads, in the order they settle, for a failure that applies to every customer. */
export class EveryCustomerFailure {
  readonly #firstReads: number;
  #forbiddenFirst = 0;
  #otherAnswerCame = false;
  #failure: StoppedForEveryCustomerError | undefined;

  /** @param total - the budgets to read (fewer than {@link FIRST_READS} makes the 403 rule count all of them) */
  constructor(total: number) {
    this.#firstReads = Math.min(FIRST_READS, total);
  }

  /** The failure to stop with, once one was seen. */
  get failure(): StoppedForEveryCustomerError | undefined {
    return this.#failure;
  }

  /**
   * Records one read's end.
   *
   * @param error - why it failed; undefined when it succeeded
   */
  observe(error?: unknown): void {
    if (this.#failure !== undefined) return;
    if (refusesEveryRequest(error)) {
      this.#failure = new StoppedForEveryCustomerError(
        `stopped: the credential was refused, which applies to every customer, so the other budgets were not requested: ${(error as Error).message}`,
        error as Error,
      );
      return;
    }
    if (this.#otherAnswerCame || !forbidsWithoutReason(error)) {
      this.#otherAnswerCame = true;
      return;
    }
    this.#forbiddenFirst += 1;
    if (this.#forbiddenFirst === this.#firstReads) {
      this.#failure = new StoppedForEveryCustomerError(
        `stopped: the first ${this.#firstReads} budget reads were all refused with HTTP 403 without code 20002 (20002 would be one customer's missing relationship), ` +
          `so the credential lacks the permission for every customer and the other budgets were not requested: ${(error as Error).message}`,
        error as Error,
      );
    }
  }
}
