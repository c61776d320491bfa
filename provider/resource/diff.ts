import { storedAmount } from "../client/wire/amount";
import { UNKNOWN_VALUE, sameAmount, storedOnDelete } from "../budget/inputs";

/** The engine's diff answer, as the dynamic provider host forwards it. */
export interface BudgetDiff {
  /** Whether anything changes. */
  readonly changes: boolean;
  /** Properties whose change replaces the resource. */
  readonly replaces: string[];
}

/**
 * Decides update versus replace for a UsageBudget. `__provider` is ignored; a
 * value not known yet counts as a change; amounts compare to the cent; a
 * budget the last refresh could not read is an update.
 *
 * @param olds - the outputs recorded in state (possibly written by an older version)
 * @param news - the checked inputs
 */
export function diffUsageBudget(olds: Record<string, unknown>, news: Record<string, unknown>): BudgetDiff {
  const replaces: string[] = [];
  const updates: string[] = [];
  const oldCustomer = typeof olds.customerId === "string" ? olds.customerId.toLowerCase() : olds.customerId;
  if (news.customerId === UNKNOWN_VALUE || news.customerId !== oldCustomer) replaces.push("customerId");
  if (news.amount === UNKNOWN_VALUE || !sameAmount(storedAmount(olds.amount), storedAmount(news.amount)))
    updates.push("amount");
  if (news.onDelete === UNKNOWN_VALUE || storedOnDelete.parse(news.onDelete) !== storedOnDelete.parse(olds.onDelete))
    updates.push("onDelete");
  // The last refresh could not read this customer's budget: what it holds is unknown, so the program's amount is due.
  if (typeof olds.readError === "string") updates.push("readError");
  return { changes: replaces.length + updates.length > 0, replaces };
}
