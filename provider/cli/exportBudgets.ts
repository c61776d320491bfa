import { validateBudgetEntries, type BudgetEntry } from "../gitops/budgetsFile";
import type { PartnerCenterClient } from "../client/partnerCenter";
import type { WireCustomer } from "../client/wire/wire";
import { customerIdSchema } from "../budget/inputs";
import { inSlice, type BudgetsSlice } from "../gitops/shards";
import { readBudgets } from "./readBudgets";
import { describeSlice } from "./sliceOptions";
import { BudgetsFileError } from "../shared/errors";

/** A customer whose budget could not be read, and why. */
export interface ExportFailure {
  customer: WireCustomer;
  message: string;
}

/** What `export` found. */
export interface ExportResult {
  entries: BudgetEntry[];
  /** One per customer that could not be exported. */
  failures: ExportFailure[];
  /** Customers Partner Center listed in the slice (each is in `entries` or in `failures`). */
  listed: number;
  /** Customers Partner Center listed, in the slice or not. */
  listedInAll: number;
}

/** How to export. */
export interface ExportOptions {
  /** Customers per page of the customer list. */
  pageSize?: number;
  /** Budget reads in flight at once. */
  concurrency: number;
  /** Export only these customers (`--shard`, `--customer-ids`); every customer without it. */
  slice?: BudgetsSlice;
}

/**
 * Lists every customer (following continuation pages) and reads each one's
 * budget through the shared client, so throttling is handled as everywhere
 * else. Entries come back sorted by name, then id, for reviewable diffs.
 * With a slice, only its customers' budgets are read: the list is the only
 * request that covers the others.
 *
 * @param client - the Partner Center client
 * @param progress - receives progress lines (stderr in the command line)
 * @param options - customers per page, budget reads in flight at once, the slice
 * @throws {@link StoppedForEveryCustomerError} when a failure applies to every customer (a refused credential)
 */
export async function exportBudgets(
  client: PartnerCenterClient,
  progress: (line: string) => void,
  options: ExportOptions,
): Promise<ExportResult> {
  const listed: WireCustomer[] = [];
  for await (const page of client.listCustomers(client.startOperation(), options.pageSize)) {
    listed.push(...page.customers);
    progress(`listed ${listed.length} customers`);
  }
  const { slice } = options;
  // By the listed id as it is, the rule UsageBudgetSet applies to the file: an id that is no GUID is one shard's failure, not every shard's.
  const customers = slice ? listed.filter((customer) => inSlice(customer.id, slice)) : listed;
  if (slice) progress(`${customers.length} of the ${listed.length} customers are in ${describeSlice(slice)}`);
  const failures: ExportFailure[] = [];
  // Every id is checked before any is put into a request path: "..", "../x" or "." would address another resource.
  const readable: { customer: WireCustomer; customerId: string }[] = [];
  for (const customer of customers) {
    const id = customerIdSchema.safeParse(customer.id);
    if (id.success) readable.push({ customer, customerId: id.data });
    else
      failures.push({
        customer,
        message: `Partner Center listed a customer id that is not a GUID (${id.error.issues[0]?.message}); its budget was not requested`,
      });
  }
  const step = Math.max(1, Math.ceil(readable.length / 10));
  const reads = await readBudgets(
    client,
    readable.map(({ customerId }) => customerId),
    {
      concurrency: options.concurrency,
      onRead: (done) =>
        (done % step === 0 || done === readable.length) && progress(`read ${done} of ${readable.length} budgets`),
    },
  );
  const entries: BudgetEntry[] = [];
  reads.forEach((read, index) => {
    const { customer, customerId } = readable[index]!;
    // The company name is already one bounded line: the customer list is read that way.
    if ("error" in read) failures.push({ customer, message: read.error.message });
    else entries.push({ customerId, name: customer.companyName, amount: read.amount });
  });
  const label = (entry: BudgetEntry): string => `${entry.name ?? ""}\u0000${entry.customerId}`;
  entries.sort((a, b) => label(a).localeCompare(label(b)));
  return {
    entries: checkedAgainstFileRules(entries, customers, failures),
    failures,
    listed: customers.length,
    listedInAll: listed.length,
  };
}

/**
 * Holds what Partner Center answered to the rules a budgets file is held to
 * (the same as for a user's input), so that export never writes a file its
 * own `diff` or a stack would reject. Odd customers become failures.
 */
function checkedAgainstFileRules(
  entries: BudgetEntry[],
  customers: WireCustomer[],
  failures: ExportFailure[],
): BudgetEntry[] {
  try {
    return validateBudgetEntries(
      entries,
      (index) => `Partner Center's answer for customer ${JSON.stringify(entries[index]?.customerId)}`,
    );
  } catch (error) {
    if (!(error instanceof BudgetsFileError)) throw error;
    // One failure per customer, however many problems it has: the summary counts customers.
    const problemsOf = new Map<string, string[]>();
    for (const problem of error.problems) {
      const customerId = /customer "([^"]*)"/.exec(problem)?.[1] ?? "";
      problemsOf.set(customerId, [...(problemsOf.get(customerId) ?? []), problem]);
    }
    for (const [customerId, problems] of problemsOf) {
      const customer = customers.find((candidate) => candidate.id.toLowerCase() === customerId) ?? { id: customerId };
      failures.push({ customer, message: `${problems.join("; ")}; a budgets file cannot hold it` });
    }
    return entries.filter((entry) => !problemsOf.has(entry.customerId));
  }
}
