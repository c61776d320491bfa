/**
 * Reads many customers' budgets through the shared client, and stops as soon
 * as a failure applies to every customer (see {@link EveryCustomerFailure}):
 * the first few reads go alone, then the rest, at most `concurrency` at a
 * time, each only while no such failure has been seen.
 */
import type { PartnerCenterClient } from "../client/partnerCenter";
import { EveryCustomerFailure, FIRST_READS } from "./everyCustomerFailure";

/** What reading one customer's budget gave: its amount, or why it could not be read. */
export type BudgetRead = { readonly amount: number | null } | { readonly error: Error };

/** How to read. */
export interface ReadOptions {
  /** Reads in flight at once after the first ones (the client's own limit still applies). */
  readonly concurrency: number;
  /** Called after each read, with how many have ended. */
  readonly onRead?: (done: number) => void;
}

/**
 * Each customer's budget, in the order of `customerIds`.
 *
 * @param client - the Partner Center client
 * @param customerIds - valid customer ids
 * @param options - concurrency and progress
 * @throws {@link StoppedForEveryCustomer} when a failure applies to every customer; no further read is started
 */
export async function readBudgets(
  client: PartnerCenterClient,
  customerIds: readonly string[],
  options: ReadOptions,
): Promise<BudgetRead[]> {
  const results: BudgetRead[] = new Array<BudgetRead>(customerIds.length);
  const watch = new EveryCustomerFailure(customerIds.length);
  let done = 0;
  const read = async (index: number): Promise<void> => {
    try {
      const { amount } = await client.getBudget(customerIds[index]!, client.startOperation());
      results[index] = { amount };
      watch.observe();
    } catch (error) {
      results[index] = { error: error instanceof Error ? error : new Error(String(error)) };
      watch.observe(error);
    }
    options.onRead?.(++done);
  };
  // The first reads alone: a refused credential costs a handful of requests, not one per customer.
  const first = Math.min(FIRST_READS, customerIds.length);
  await Promise.all(Array.from({ length: first }, (_, index) => read(index)));
  let next = first;
  const worker = async (): Promise<void> => {
    while (watch.failure === undefined && next < customerIds.length) await read(next++);
  };
  await Promise.all(
    Array.from({ length: Math.max(0, Math.min(options.concurrency, customerIds.length - first)) }, worker),
  );
  if (watch.failure !== undefined) throw watch.failure;
  return results;
}
