/**
 * What a UsageBudgetMap (many customers' budgets as one resource) takes and
 * records: its inputs, checked per customer, and its state.
 */
import { storedAmount } from "../client/wire/amount";
import { amountSchema, customerIdSchema, onDeleteSchema, storedOnDelete, UNKNOWN_VALUE } from "../budget/inputs";
import type { OnDelete } from "../budget/inputValues";
import { InvalidInputsError } from "../shared/errors";

/** One customer's declared budget. */
export interface DeclaredBudget {
  /** The budget; null for no budget. */
  amount: number | null;
  /** What removing the customer from the map, or deleting the map, does to the budget. */
  onDelete: OnDelete;
}

/** The checked inputs: declared budgets by lowercase customer id. */
export interface BudgetMapInputs {
  /** The budgets, by customer id. */
  budgets: Record<string, DeclaredBudget>;
}

/** What state records of one customer. */
export interface RecordedBudget {
  /** The budget as Partner Center last reported it (or last accepted it); null for none. */
  amount: number | null;
  /** The budget found when the map first took the customer on; null if there was none. */
  previousAmount: number | null;
  /** What removing the customer, or deleting the map, does to the budget (as last applied). */
  onDelete: OnDelete;
  /** After a refresh that found drift: who changed the budget, when and from what. */
  lastChange?: string;
  /** After a refresh Partner Center refused for this customer (403, code 20002): why. `amount` is the last known. */
  readError?: string;
  /**
   * After a write that failed: why. `amount` is the last amount known, and whether the write took effect is
   * not; the next update reads the budget before it writes again.
   */
  writeError?: string;
}

/** What a UsageBudgetMap records in state. */
export interface BudgetMapOutputs {
  /** Every customer the map manages, by customer id. */
  budgets: Record<string, RecordedBudget>;
}

/** One bad input, as the engine's check failure. */
export interface MapInputFailure {
  /** Always `budgets`: the one input property. */
  property: string;
  /** The customer, the problem and the fix. */
  reason: string;
}

/** The most failures `check` lists one by one; the rest are counted. */
const MAX_LISTED_FAILURES = 20;

/**
 * Validates the declared budgets customer by customer: ids become lowercase,
 * `onDelete` gets its default, and each bad entry is named.
 *
 * @param news - the inputs from the program
 */
export function checkMapInputs(news: Record<string, unknown>): {
  inputs: Record<string, unknown>;
  failures: MapInputFailure[];
} {
  const raw = news.budgets;
  if (raw === UNKNOWN_VALUE) return { inputs: { budgets: raw }, failures: [] };
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return {
      inputs: {},
      failures: [{ property: "budgets", reason: "budgets must be a mapping of customer id to { amount, onDelete }" }],
    };
  }
  const problems: string[] = [];
  const budgets: Record<string, DeclaredBudget> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const id = customerIdSchema.safeParse(key);
    if (!id.success) {
      problems.push(id.error.issues[0]?.message ?? "customerId is invalid");
      continue;
    }
    if (id.data in budgets) {
      problems.push(`customer ${id.data} is declared twice (in different cases): keep one entry per customer`);
      continue;
    }
    const entry = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
    const amount = amountSchema.safeParse(entry.amount);
    const onDelete = onDeleteSchema.safeParse(entry.onDelete);
    if (!amount.success) problems.push(`customer ${id.data}: ${amount.error.issues[0]?.message}`);
    if (!onDelete.success) problems.push(`customer ${id.data}: ${onDelete.error.issues[0]?.message}`);
    if (amount.success && onDelete.success) budgets[id.data] = { amount: amount.data, onDelete: onDelete.data };
  }
  const listed = problems.slice(0, MAX_LISTED_FAILURES).map((reason) => ({ property: "budgets", reason }));
  if (problems.length > MAX_LISTED_FAILURES)
    listed.push({ property: "budgets", reason: `and ${problems.length - MAX_LISTED_FAILURES} more problems` });
  return { inputs: { budgets }, failures: listed };
}

/**
 * The checked inputs of create and update (where nothing is unknown).
 *
 * @param news - the inputs `check` returned
 */
export function parseMapInputs(news: Record<string, unknown>): BudgetMapInputs {
  const { inputs, failures } = checkMapInputs(news);
  if (inputs.budgets === UNKNOWN_VALUE) failures.push({ property: "budgets", reason: "budgets is not known yet" });
  if (failures.length > 0)
    throw new InvalidInputsError(
      "UsageBudgetMap",
      failures.map((failure) => failure.reason),
    );
  return inputs as unknown as BudgetMapInputs;
}

/**
 * The customers state records, read leniently (state may come from an older
 * version): keys that are not customer ids are left out.
 *
 * @param props - the outputs in state
 */
export function recordedBudgets(props: Record<string, unknown> | undefined): Map<string, RecordedBudget> {
  const raw = props?.budgets;
  const recorded = new Map<string, RecordedBudget>();
  if (typeof raw !== "object" || raw === null) return recorded;
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const id = customerIdSchema.safeParse(key);
    if (!id.success || typeof value !== "object" || value === null) continue;
    const entry = value as Record<string, unknown>;
    const budget: RecordedBudget = {
      amount: storedAmount(entry.amount),
      previousAmount: storedAmount(entry.previousAmount),
      onDelete: storedOnDelete.parse(entry.onDelete),
    };
    for (const note of ["lastChange", "readError", "writeError"] as const)
      if (typeof entry[note] === "string") budget[note] = entry[note];
    recorded.set(id.data, budget);
  }
  return recorded;
}

/** The program-facing inputs that match what state records (a refresh hands them to the engine, so drift shows per customer). */
export function inputsOf(recorded: ReadonlyMap<string, RecordedBudget>): BudgetMapInputs {
  return {
    budgets: Object.fromEntries(
      [...recorded].map(([id, budget]) => [id, { amount: budget.amount, onDelete: budget.onDelete }]),
    ),
  };
}
