import type { BudgetEntry } from "../gitops/budgetsFile";
import type { PartnerCenterClient } from "../client/partnerCenter";
import { sameAmount } from "../budget/inputs";
import { readBudgets } from "./readBudgets";

/** One customer whose live budget differs from the file, or could not be read. */
export interface BudgetDrift {
  entry: BudgetEntry;
  /** The live budget (undefined when it could not be read). */
  live?: number | null;
  /** Why it could not be read. */
  error?: string;
}

/**
 * Compares declared budgets with live Partner Center, through the shared client; drifts in file order.
 *
 * @param client - the Partner Center client
 * @param entries - the declared budgets
 * @param concurrency - reads in flight at once
 * @throws {@link StoppedForEveryCustomer} when a failure applies to every customer (a refused credential)
 */
export async function diffBudgets(
  client: PartnerCenterClient,
  entries: readonly BudgetEntry[],
  concurrency: number,
): Promise<BudgetDrift[]> {
  const reads = await readBudgets(
    client,
    entries.map((entry) => entry.customerId),
    { concurrency },
  );
  const drifts: BudgetDrift[] = [];
  reads.forEach((read, index) => {
    const entry = entries[index]!;
    if ("error" in read) drifts.push({ entry, error: read.error.message });
    else if (!sameAmount(read.amount, entry.amount)) drifts.push({ entry, live: read.amount });
  });
  return drifts;
}
