import { BudgetsFileError, validateBudgetEntries, type BudgetEntry } from "../budgetsFile";
import type { PartnerCenterClient } from "../client/partnerCenter";
import type { WireCustomer } from "../client/wire";

/** A customer whose budget could not be read, and why. */
export interface ExportFailure {
  customer: WireCustomer;
  message: string;
}

/** What `export` found. */
export interface ExportResult {
  entries: BudgetEntry[];
  failures: ExportFailure[];
}

/**
 * Lists every customer (following continuation pages) and reads each one's
 * budget through the shared client, so throttling is handled as everywhere
 * else. Entries come back sorted by name, then id, for reviewable diffs.
 *
 * @param client - the Partner Center client
 * @param progress - receives progress lines (stderr in the command line)
 * @param pageSize - customers per page
 */
export async function exportBudgets(client: PartnerCenterClient, progress: (line: string) => void, pageSize?: number): Promise<ExportResult> {
  const customers: WireCustomer[] = [];
  for await (const page of client.listCustomers(client.startOperation(), pageSize)) {
    customers.push(...page.customers);
    progress(`listed ${customers.length} customers`);
  }
  const entries: BudgetEntry[] = [];
  const failures: ExportFailure[] = [];
  let done = 0;
  const step = Math.max(1, Math.ceil(customers.length / 10));
  await Promise.all(
    customers.map(async (customer) => {
      try {
        const { amount } = await client.getBudget(customer.id.toLowerCase(), client.startOperation());
        entries.push({ customerId: customer.id.toLowerCase(), name: customer.companyName, amount });
      } catch (error) {
        failures.push({ customer, message: (error as Error).message });
      }
      if (++done % step === 0 || done === customers.length) progress(`read ${done} of ${customers.length} budgets`);
    }),
  );
  const label = (entry: BudgetEntry): string => `${entry.name ?? ""}\u0000${entry.customerId}`;
  entries.sort((a, b) => label(a).localeCompare(label(b)));
  return { entries: checkedAgainstFileRules(entries, customers, failures), failures };
}

/**
 * Holds what Partner Center answered to the rules a budgets file is held to
 * (the same as for a user's input), so that export never writes a file its
 * own `diff` or a stack would reject. Odd customers become failures.
 */
function checkedAgainstFileRules(entries: BudgetEntry[], customers: WireCustomer[], failures: ExportFailure[]): BudgetEntry[] {
  try {
    return validateBudgetEntries(entries, (index) => `Partner Center's answer for customer ${JSON.stringify(entries[index]?.customerId)}`);
  } catch (error) {
    if (!(error instanceof BudgetsFileError)) throw error;
    const odd = new Set<string>();
    for (const problem of error.problems) {
      const customerId = /customer "([^"]*)"/.exec(problem)?.[1] ?? "";
      odd.add(customerId);
      const customer = customers.find((candidate) => candidate.id.toLowerCase() === customerId) ?? { id: customerId };
      failures.push({ customer, message: `${problem}; a budgets file cannot hold it` });
    }
    return entries.filter((entry) => !odd.has(entry.customerId));
  }
}
