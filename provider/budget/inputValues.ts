/**
 * The values a UsageBudget's inputs may take, apart from their validators
 * (`inputs.ts`, built with zod): the public declarations import this module,
 * so a partner's compiler never reads zod's types.
 */

/** The values of `onDelete`: what happens to the budget in Partner Center when the resource is deleted. */
export const ON_DELETE_VALUES = ["retain", "clear"] as const;

/** What happens to the budget in Partner Center when the resource is deleted. */
export type OnDelete = (typeof ON_DELETE_VALUES)[number];

/** `onDelete` when not given, and in state written before the input existed. */
export const DEFAULT_ON_DELETE: OnDelete = "retain";

/** The largest budget accepted: a guard against typos, far above any real monthly budget. */
export const MAX_AMOUNT = 999_999_999_999.99;

/** A GUID in any case: how Microsoft writes tenant, customer and application ids. */
export const GUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
