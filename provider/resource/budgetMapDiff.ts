import { storedAmount } from "../client/wire/amount";
import { recordedBudgets } from "./budgetMapShape";
import { sameAmount, storedOnDelete, UNKNOWN_VALUE } from "../budget/inputs";

/** Why a customer of a UsageBudgetMap is due for a write. */
export type CustomerChange = "added" | "removed" | "amount" | "onDelete" | "unsettled";

/** The customers an update would touch, and why. */
export interface BudgetMapDiff {
  /** Whether anything changes. */
  readonly changes: boolean;
  /** Never anything: no input replaces the map. */
  readonly replaces: string[];
  /** The customers that change, by customer id (empty when the declared budgets are not known yet). */
  readonly customers: ReadonlyMap<string, CustomerChange>;
}

/**
 * Compares the state of a UsageBudgetMap with the checked inputs, customer by
 * customer: one added, removed, with another amount (to the cent) or
 * `onDelete`, or left unsettled by the last run (a read Partner Center refused,
 * a write that failed) is a change. Declared budgets not known yet are a change.
 *
 * @param olds - the outputs in state
 * @param news - the checked inputs
 */
export function diffBudgetMap(olds: Record<string, unknown>, news: Record<string, unknown>): BudgetMapDiff {
  const customers = new Map<string, CustomerChange>();
  if (news.budgets === UNKNOWN_VALUE) return { changes: true, replaces: [], customers };
  const recorded = recordedBudgets(olds);
  const declared = (typeof news.budgets === "object" && news.budgets !== null ? news.budgets : {}) as Record<
    string,
    { amount?: unknown; onDelete?: unknown }
  >;
  for (const [id, wanted] of Object.entries(declared)) {
    const stored = recorded.get(id);
    if (!stored) customers.set(id, "added");
    else if (stored.readError !== undefined || stored.writeError !== undefined) customers.set(id, "unsettled");
    else if (!sameAmount(stored.amount, storedAmount(wanted.amount))) customers.set(id, "amount");
    else if (storedOnDelete.parse(wanted.onDelete) !== stored.onDelete) customers.set(id, "onDelete");
  }
  for (const id of recorded.keys()) if (!(id in declared)) customers.set(id, "removed");
  return { changes: customers.size > 0, replaces: [], customers };
}
