import { z } from "zod";
import { InvalidInputsError } from "../shared/errors";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { describeValue } from "../shared/describe";
import { DEFAULT_ON_DELETE, GUID_PATTERN, MAX_AMOUNT, ON_DELETE_VALUES, type OnDelete } from "./inputValues";

/**
 * The value the Pulumi engine sends, at any depth, for a property whose value
 * is not known yet (an output of another resource during `pulumi preview`):
 * `@pulumi/pulumi`'s own constant.
 */
export const UNKNOWN_VALUE: string = unknownValue;

// Re-exported for the modules that validate inputs; the public declarations import ./inputValues itself.
export { DEFAULT_ON_DELETE, GUID_PATTERN, MAX_AMOUNT, ON_DELETE_VALUES, type OnDelete } from "./inputValues";

/** Validates a customer tenant id (a GUID in any case) and normalises it to lowercase. */
export const customerIdSchema = z
  .string({
    error: (issue) =>
      issue.input === undefined
        ? "customerId is required: set it to the customer's Microsoft tenant id, a GUID"
        : `customerId must be a string GUID, not ${describeValue(issue.input)}`,
  })
  .regex(GUID_PATTERN, {
    error: (issue) =>
      `customerId ${describeValue(issue.input)} is not a GUID: use the customer's tenant id as ` +
      "Partner Center shows it, e.g. 0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10, with no spaces or braces",
  })
  .transform((id) => id.toLowerCase());

/** Whether a finite number has at most two decimals (cents). */
function hasAtMostTwoDecimals(value: number): boolean {
  return Number(value.toFixed(2)) === value;
}

/** Validates a budget amount: a number of at least 0 with at most two decimals, or null for "no budget". */
export const amountSchema = z
  .number({
    error: (issue) =>
      issue.input === undefined
        ? "amount is required: set a number of 0 or more, or null for no budget"
        : `amount must be a number or null, not ${describeValue(issue.input)}` +
          (typeof issue.input === "number" ? " (it must be finite)" : ""),
  })
  .refine((value) => value >= 0, {
    error: (issue) => `amount ${describeValue(issue.input)} is negative: use 0 or more, or null for no budget`,
  })
  .refine((value) => value <= MAX_AMOUNT, {
    error: (issue) => `amount ${describeValue(issue.input)} is larger than the maximum ${MAX_AMOUNT}: check for a typo`,
  })
  .refine(hasAtMostTwoDecimals, {
    error: (issue) => `amount ${describeValue(issue.input)} has more than two decimals: round it to cents`,
  })
  .nullable();

/** Validates onDelete; absent means {@link DEFAULT_ON_DELETE}. */
export const onDeleteSchema = z
  .enum(ON_DELETE_VALUES, {
    error: (issue) =>
      `onDelete must be "retain" (leave the budget in Partner Center) or "clear" (remove it), not ${describeValue(issue.input)}`,
  })
  .default(DEFAULT_ON_DELETE);

/** `onDelete` as recorded in state: anything else (state written before the input existed) means {@link DEFAULT_ON_DELETE}. */
export const storedOnDelete = onDeleteSchema.catch(DEFAULT_ON_DELETE);

/** The resource's inputs after `check`: validated and normalised. */
export interface UsageBudgetInputs {
  /** The customer's tenant id, lowercase. */
  customerId: string;
  /** The desired budget; null means no budget. */
  amount: number | null;
  /** What deleting the resource does to the budget. */
  onDelete: OnDelete;
}

/** One property that failed validation, as the engine's check failure. */
export interface InputFailure {
  /** The input property's name. */
  property: string;
  /** What is wrong with its value and how to fix it. */
  reason: string;
}

const propertySchemas = {
  customerId: customerIdSchema,
  amount: amountSchema,
  onDelete: onDeleteSchema,
} as const;

/** The outcome of validating a property bag that may hold unknown values. */
export interface InputCheck {
  /** The normalised inputs; unknown values are passed through untouched. */
  inputs: Record<string, unknown>;
  /** One failure per bad property; empty when all are valid. */
  failures: InputFailure[];
}

/**
 * Validates every UsageBudget input on its own, so that each bad property gets
 * its own failure. Values not known yet pass through untouched; properties the
 * resource does not know are dropped.
 *
 * @param news - the property bag from the program (or the engine)
 */
export function checkInputs(news: Record<string, unknown>): InputCheck {
  const inputs: Record<string, unknown> = {};
  const failures: InputFailure[] = [];
  for (const [property, schema] of Object.entries(propertySchemas)) {
    const value = news[property];
    if (value === UNKNOWN_VALUE) {
      inputs[property] = value;
      continue;
    }
    const result = schema.safeParse(value);
    if (result.success) {
      inputs[property] = result.data;
    } else {
      failures.push({ property, reason: result.error.issues[0]?.message ?? `${property} is invalid` });
    }
  }
  return { inputs, failures };
}

/**
 * Parses a complete, known set of inputs, throwing one error that lists every
 * bad property. Used where unknown values cannot occur (create, update).
 *
 * @param news - the checked inputs
 */
export function parseInputs(news: Record<string, unknown>): UsageBudgetInputs {
  const { inputs, failures } = checkInputs(news);
  const unknown = Object.keys(inputs).filter((key) => inputs[key] === UNKNOWN_VALUE);
  if (unknown.length > 0) {
    failures.push(...unknown.map((property) => ({ property, reason: `${property} is not known yet` })));
  }
  if (failures.length > 0) {
    throw new InvalidInputsError(
      "UsageBudget",
      failures.map((f) => f.reason),
    );
  }
  return inputs as unknown as UsageBudgetInputs;
}

export { sameAmount } from "../client/wire/amount";
