/** The errors the command line raises itself (the rest come from the provider's modules, each with its code). */
import { PartnerCenterError } from "../shared/errors";

/** The command was called with arguments or files it cannot use (exit 3, before any request). */
export class UsageError extends PartnerCenterError {
  /** @param message - what is wrong and how to call it instead */
  constructor(message: string) {
    super("PC_ERR_USAGE", message);
  }
}

/**
 * A failure that applies to every customer (a refused credential), met while
 * reading budgets: the command stopped instead of asking for every other
 * budget. Its message is the one line the user sees.
 */
export class StoppedForEveryCustomer extends Error {
  /**
   * @param message - why the failure applies to every customer, and the first answer that showed it
   * @param first - the first failure that showed it
   */
  constructor(
    message: string,
    readonly first: Error,
  ) {
    super(message);
  }
}
