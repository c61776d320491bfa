import type { OnDelete } from "./inputValues";

/** What a UsageBudget records in state. */
export interface UsageBudgetOutputs {
  /** The customer's tenant id, lowercase; also the resource id. */
  customerId: string;
  /** The budget as Partner Center reports it; null for none. */
  amount: number | null;
  /** The budget found before this resource first set it; null if there was none. */
  previousAmount: number | null;
  /** What deleting the resource does to the budget. */
  onDelete: OnDelete;
  /**
   * Set by a refresh that found the budget changed outside the stack: who
   * changed it, when and from what, from Partner Center's activity log (or
   * why that is not known). Kept as is while nothing drifts.
   */
  lastChange?: string;
  /**
   * Set by a refresh that Partner Center refused for this customer alone (403,
   * code 20002: no commerce relationship): why the budget could not be read.
   * The rest of the state is kept as it was, and the resource shows as an
   * update until an update reads and writes it again.
   */
  readError?: string;
  /**
   * Month-to-date spend in the customer's billing currency, from Partner
   * Center's usage records, as of the last create or refresh. Absent when
   * the credential cannot read it (spend needs App+User with MFA) or the
   * read failed. Never compared by `diff`: it changes every day.
   */
  spend?: number;
  /** The billing currency of `spend` (ISO 4217); absent when not known. */
  currency?: string;
  /** `spend` as a percentage of `amount` (can exceed 100); absent without spend or a budget above 0. */
  percentUsed?: number;
}
