/**
 * The hooks of UsageBudgetMap: many customers' budgets as one resource, each
 * customer read and written through the same client (scheduler, retries,
 * deadlines) as a UsageBudget. One engine step, one checkpoint write.
 *
 * A run that fails for some customers records every customer as it is known to
 * be: what was written is recorded written, a customer whose write failed
 * keeps its last known amount with `writeError`, and a customer not yet taken
 * on is left out. It reports this to the engine as a partial failure (the
 * state is saved, the step and the command fail), and the next update retries
 * exactly those customers, reading each before it writes. Nothing is dropped
 * from state or overwritten on a guess.
 */
import { randomUUID } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import type { PartnerCenterClient } from "../client/partnerCenter";
import { attributeDrifts, describeAttribution } from "../gitops/attribution";
import { diffBudgetMap } from "./budgetMapDiff";
import {
  checkMapInputs,
  inputsOf,
  parseMapInputs,
  recordedBudgets,
  type DeclaredBudget,
  type RecordedBudget,
} from "./budgetMapShape";
import { isGone, isRefusedCustomer, patchSettled } from "./lifecycle";
import { sameAmount } from "../budget/inputs";
import { displayText } from "../shared/untrustedText";
import { PartialBudgetMapError, type PartialState } from "../shared/errors";

type Props = Record<string, unknown>;

/** The resource-level hooks of the UsageBudgetMap provider (all but `configure`). */
export type UsageBudgetMapLifecycle = Required<
  Pick<pulumi.dynamic.ResourceProvider, "check" | "diff" | "create" | "read" | "update" | "delete">
>;

/** The longest `writeError`, `readError` or `lastChange` kept per customer: state holds one per failed customer. */
const NOTE_LIMIT = 300;
/** The customers an error message names one by one; the rest are counted. */
const NAMED_FAILURES = 10;
/** The property that carries the serialized provider: the engine needs it in state to read and delete later. */
const PROVIDER_KEY = "__provider";

/** One customer's failure in a run. */
interface CustomerFailure {
  customerId: string;
  message: string;
}

/** A run's failure for some customers: the summary, and the lines the engine shows (what happened, then the customers). */
function partialFailure(
  verb: string,
  total: number,
  failures: readonly CustomerFailure[],
  state?: PartialState,
): PartialBudgetMapError {
  // The engine shows the reasons, not the message: the first says what happened, the others name the customers.
  return new PartialBudgetMapError(
    failureSummary(verb, total, failures),
    [headline(verb, total, failures), ...failureLines(sortedFailures(failures))],
    state,
  );
}

/** Failed customers as lines: the first few named, the rest counted. */
function failureLines(failures: readonly CustomerFailure[]): string[] {
  const lines = failures
    .slice(0, NAMED_FAILURES)
    .map((failure) => `customer ${failure.customerId}: ${failure.message}`);
  if (failures.length > NAMED_FAILURES)
    lines.push(`and ${failures.length - NAMED_FAILURES} more customers (each has its error in state)`);
  return lines;
}

function sortedFailures(failures: readonly CustomerFailure[]): CustomerFailure[] {
  return [...failures].sort((a, b) => (a.customerId < b.customerId ? -1 : 1));
}

function headline(verb: string, total: number, failures: readonly CustomerFailure[]): string {
  return `could not ${verb} the budgets of ${failures.length} of ${total} customers; the others are done and recorded, and the next run retries these`;
}

function failureSummary(verb: string, total: number, failures: readonly CustomerFailure[]): string {
  return `${headline(verb, total, failures)}:\n${failureLines(sortedFailures(failures))
    .map((line) => `  - ${line}`)
    .join("\n")}`;
}

/** An error's message as state may keep it: secrets redacted, one line, bounded. */
function note(error: unknown): string {
  return displayText(error instanceof Error ? error.message : String(error), NOTE_LIMIT);
}

/** Runs `work` for every customer, all queued at once (the client's scheduler paces them); never rejects. */
async function forEachCustomer<T>(customers: readonly T[], work: (customer: T) => Promise<void>): Promise<void> {
  await Promise.all(customers.map((customer) => work(customer)));
}

/**
 * Takes a customer on: reads the budget found (kept as `previousAmount`), and
 * sets it unless it already holds the declared amount.
 *
 * @returns the record, or undefined with the failure noted when even the first read failed
 */
async function adopt(
  client: PartnerCenterClient,
  customerId: string,
  wanted: DeclaredBudget,
  failures: CustomerFailure[],
): Promise<RecordedBudget | undefined> {
  const operation = client.startOperation();
  let before: number | null;
  try {
    ({ amount: before } = await client.getBudget(customerId, operation));
  } catch (error) {
    failures.push({ customerId, message: note(error) });
    return undefined;
  }
  const record: RecordedBudget = { amount: before, previousAmount: before, onDelete: wanted.onDelete };
  return settle(client, customerId, wanted, record, operation, failures);
}

/** Writes the declared amount over a record known to be live; on failure, keeps the record with `writeError`. */
async function settle(
  client: PartnerCenterClient,
  customerId: string,
  wanted: DeclaredBudget,
  record: RecordedBudget,
  operation: ReturnType<PartnerCenterClient["startOperation"]>,
  failures: CustomerFailure[],
): Promise<RecordedBudget> {
  if (sameAmount(record.amount, wanted.amount)) return record;
  try {
    const { amount } = await patchSettled(client, customerId, wanted.amount, operation);
    return { ...record, amount };
  } catch (error) {
    const message = note(error);
    failures.push({ customerId, message });
    return { ...record, writeError: message };
  }
}

/** Brings a customer state records to what the program declares. */
async function reconcile(
  client: PartnerCenterClient,
  customerId: string,
  stored: RecordedBudget,
  wanted: DeclaredBudget,
  failures: CustomerFailure[],
): Promise<RecordedBudget> {
  const { lastChange, readError, writeError, ...kept } = stored;
  const base: RecordedBudget = { ...kept, onDelete: wanted.onDelete };
  if (readError === undefined && writeError === undefined) {
    if (sameAmount(stored.amount, wanted.amount)) return lastChange === undefined ? base : { ...base, lastChange };
    return settle(client, customerId, wanted, base, client.startOperation(), failures);
  }
  // The last run could not read it, or does not know whether its write took effect: read it now, then write if needed.
  const operation = client.startOperation();
  try {
    const { amount } = await client.getBudget(customerId, operation);
    return settle(client, customerId, wanted, { ...base, amount }, operation, failures);
  } catch (error) {
    const message = note(error);
    failures.push({ customerId, message });
    // Kept as it was (a refused read stays noted as such), so the next run tries again.
    return readError !== undefined ? stored : { ...stored, writeError: message };
  }
}

/** Removes a customer the program no longer declares: clears the budget under `onDelete: "clear"`. */
async function release(
  client: PartnerCenterClient,
  customerId: string,
  stored: RecordedBudget,
  failures: CustomerFailure[],
): Promise<RecordedBudget | undefined> {
  if (stored.onDelete !== "clear") return undefined;
  try {
    await client.patchBudget(customerId, null, client.startOperation());
    return undefined;
  } catch (error) {
    if (isGone(error)) return undefined;
    const message = note(error);
    failures.push({ customerId, message });
    // Kept, so the next run clears it again: the program no longer declares it, so the diff shows it removed.
    return { ...stored, writeError: message };
  }
}

/** The state's budgets in a stable order (sorted ids), so that a checkpoint diff reads well and repeats. */
function sortedRecord(records: ReadonlyMap<string, RecordedBudget>): Record<string, RecordedBudget> {
  return Object.fromEntries([...records].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Builds the UsageBudgetMap hooks over a Partner Center client. `check` and
 * `diff` send nothing (as `pulumi preview` needs).
 *
 * @param getClient - gives the client configured for this provider process
 */
export function createUsageBudgetMapLifecycle(getClient: () => Promise<PartnerCenterClient>): UsageBudgetMapLifecycle {
  /** Finishes a create or update: the state, or the partial failure that carries it. */
  function outcome(
    verb: string,
    id: string,
    total: number,
    records: Map<string, RecordedBudget>,
    failures: CustomerFailure[],
    news: Props,
  ): Props {
    const outs: Props = { budgets: sortedRecord(records) };
    if (failures.length === 0) return outs;
    throw partialFailure(verb, total, failures, { id, properties: { ...outs, [PROVIDER_KEY]: news[PROVIDER_KEY] } });
  }

  return {
    async check(_olds: Props, news: Props) {
      return checkMapInputs(news);
    },

    async diff(_id: string, olds: Props, news: Props) {
      const { customers } = diffBudgetMap(olds, news);
      if (customers.size === 0) return { changes: false, replaces: [] };
      // Customers the last run left unsettled are a change the inputs do not show: said so outright.
      if ([...customers.values()].includes("unsettled")) return { changes: true, replaces: [] };
      // Otherwise "unknown": the engine then diffs the old and new inputs itself, and its detailed diff names each
      // customer that changes (pkg/resource/deploy/step_generator.go `diff`, DiffUnknown). The dynamic provider host
      // would drop a detailed diff of ours (@pulumi/pulumi cmd/dynamic-provider/index.js `diff`). Old inputs differ
      // from what state records only after a partial failure, and then the engine updates anyway (init errors).
      return { replaces: [] };
    },

    async create(news: Props) {
      const { budgets } = parseMapInputs(news);
      const client = await getClient();
      const id = randomUUID();
      const records = new Map<string, RecordedBudget>();
      const failures: CustomerFailure[] = [];
      const customers = Object.entries(budgets);
      await forEachCustomer(customers, async ([customerId, wanted]) => {
        const record = await adopt(client, customerId, wanted, failures);
        if (record) records.set(customerId, record);
      });
      // Nothing learned at all: nothing to record, so a plain failure (the engine keeps no resource).
      if (records.size === 0 && failures.length > 0) throw partialFailure("take on", customers.length, failures);
      return { id, outs: outcome("set", id, customers.length, records, failures, news) };
    },

    async read(id: string, props?: Props) {
      const recorded = recordedBudgets(props);
      const client = await getClient();
      const records = new Map<string, RecordedBudget>();
      const drifted = new Map<string, number | null>();
      const failures: CustomerFailure[] = [];
      await forEachCustomer([...recorded], async ([customerId, stored]) => {
        try {
          const { amount } = await client.getBudget(customerId, client.startOperation());
          const record: RecordedBudget = { amount, previousAmount: stored.previousAmount, onDelete: stored.onDelete };
          if (!sameAmount(stored.amount, amount)) drifted.set(customerId, amount);
          else if (stored.lastChange !== undefined) record.lastChange = stored.lastChange;
          records.set(customerId, record);
        } catch (error) {
          // Partner Center says the tenant is gone: the customer leaves state, as a UsageBudget would.
          if (isGone(error)) return;
          // Refused for this customer alone: state kept, the refusal noted (its first text, so state does not churn).
          if (isRefusedCustomer(error)) {
            records.set(customerId, { ...stored, readError: stored.readError ?? note(error) });
            return;
          }
          failures.push({ customerId, message: note(error) });
        }
      });
      // Any other failure fails the refresh, as a UsageBudget's failed Read does: state stays as it was.
      if (failures.length > 0) throw partialFailure("read", recorded.size, failures);
      if (drifted.size > 0) {
        const attributions = await attributeDrifts(client, drifted);
        for (const customerId of drifted.keys()) {
          const attribution = attributions.get(customerId);
          const text = !attribution
            ? "unknown"
            : attribution.found
              ? describeAttribution(attribution)
              : `unknown: ${describeAttribution(attribution)}`;
          records.get(customerId)!.lastChange = displayText(text, NOTE_LIMIT);
        }
      }
      const sorted = sortedRecord(records);
      // The inputs follow what was read, so a drift shows per customer in the diff against the program.
      return { id, props: { budgets: sorted }, inputs: { ...inputsOf(new Map(Object.entries(sorted))) } };
    },

    async update(id: string, olds: Props, news: Props) {
      const { budgets } = parseMapInputs(news);
      const recorded = recordedBudgets(olds);
      const client = await getClient();
      const records = new Map<string, RecordedBudget>();
      const failures: CustomerFailure[] = [];
      const declared = Object.entries(budgets);
      const removed = [...recorded].filter(([customerId]) => !(customerId in budgets));
      await Promise.all([
        forEachCustomer(declared, async ([customerId, wanted]) => {
          const stored = recorded.get(customerId);
          const record = stored
            ? await reconcile(client, customerId, stored, wanted, failures)
            : await adopt(client, customerId, wanted, failures);
          if (record) records.set(customerId, record);
        }),
        forEachCustomer(removed, async ([customerId, stored]) => {
          const record = await release(client, customerId, stored, failures);
          if (record) records.set(customerId, record);
        }),
      ]);
      return { outs: outcome("set", id, declared.length + removed.length, records, failures, news) };
    },

    async delete(_id: string, props: Props) {
      const recorded = recordedBudgets(props);
      const client = await getClient();
      const failures: CustomerFailure[] = [];
      await forEachCustomer([...recorded], async ([customerId, stored]) => {
        await release(client, customerId, stored, failures);
      });
      // The engine keeps the resource when delete fails, so the next destroy clears them again (a PATCH to null repeats safely).
      if (failures.length > 0) throw partialFailure("clear", recorded.size, failures);
    },
  };
}
