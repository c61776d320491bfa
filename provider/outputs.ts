import type { OnDelete } from "./inputs";

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
}
