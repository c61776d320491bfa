/**
 * Guardrails for UsageBudget resources, as CrossGuard resource policies:
 * a mandatory maximum, a minimum that catches likely typos, an advisory
 * when a budget is cleared, and an advisory when a budget is below the
 * customer's month-to-date spend. Kept apart from the pack (index.ts) so that tests
 * call them directly.
 */
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";

/** The type token the engine gives UsageBudget resources. */
export const USAGE_BUDGET_TYPE = "pulumi-nodejs:dynamic/partnercenter:UsageBudget";
/** The type token of UsageBudgetMap (a UsageBudgetSet with `asOneResource`): many customers' budgets in one resource. */
export const USAGE_BUDGET_MAP_TYPE = "pulumi-nodejs:dynamic/partnercenter:UsageBudgetMap";

/** Default largest amount allowed (configurable per stack: `maximum`). */
export const DEFAULT_MAXIMUM = 100_000;
/** Default smallest non-zero amount that does not look like a typo (configurable: `minimum`). */
export const DEFAULT_MINIMUM = 10;

/** What the policies read of a budget's checked inputs (`spend` and `currency`: as the last refresh recorded them). */
interface BudgetProps {
  customerId?: string;
  amount?: unknown;
  onDelete?: unknown;
  spend?: unknown;
  currency?: unknown;
}

/**
 * The budgets a resource declares: a UsageBudget's one, or each customer of a UsageBudgetMap (so a budget declared
 * in one resource meets the same policies; its findings name the map and the customer).
 */
function budgetsOf(args: ResourceValidationArgs): BudgetProps[] {
  if (args.type === USAGE_BUDGET_TYPE) return [args.props as BudgetProps];
  if (args.type !== USAGE_BUDGET_MAP_TYPE) return [];
  const budgets = (args.props as { budgets?: Record<string, { amount?: unknown; onDelete?: unknown }> }).budgets ?? {};
  return Object.keys(budgets).map((customerId) => ({
    customerId,
    amount: budgets[customerId]?.amount,
    onDelete: budgets[customerId]?.onDelete,
  }));
}

function who(args: ResourceValidationArgs, customerId: string | undefined): string {
  return `${args.name}${customerId ? ` (customer ${customerId})` : ""}`;
}

/** No budget above the configured maximum: a typo such as 500000 for 5000 never reaches Partner Center. */
export const budgetMaximum: ResourceValidationPolicy = {
  name: "usage-budget-maximum",
  description: "A customer's usage budget may not exceed the configured maximum.",
  enforcementLevel: "mandatory",
  configSchema: { properties: { maximum: { type: "number", default: DEFAULT_MAXIMUM, minimum: 0 } } },
  validateResource: (args, reportViolation) => {
    const maximum = args.getConfig<{ maximum?: number }>().maximum ?? DEFAULT_MAXIMUM;
    for (const props of budgetsOf(args)) {
      if (typeof props.amount === "number" && props.amount > maximum) {
        reportViolation(
          `${who(args, props.customerId)}: amount ${props.amount} is above the maximum ${maximum}; check for a typo, or raise the policy's "maximum".`,
        );
      }
    }
  },
};

/** A budget below the minimum (but above 0) is probably a typo such as 5 for 5000. */
export const budgetMinimum: ResourceValidationPolicy = {
  name: "usage-budget-minimum",
  description: "A non-zero usage budget below the configured minimum is probably a typo.",
  enforcementLevel: "mandatory",
  configSchema: { properties: { minimum: { type: "number", default: DEFAULT_MINIMUM, minimum: 0 } } },
  validateResource: (args, reportViolation) => {
    const minimum = args.getConfig<{ minimum?: number }>().minimum ?? DEFAULT_MINIMUM;
    for (const props of budgetsOf(args)) {
      if (typeof props.amount === "number" && props.amount > 0 && props.amount < minimum) {
        reportViolation(
          `${who(args, props.customerId)}: amount ${props.amount} is below the minimum ${minimum}; check for a typo, or lower the policy's "minimum" (0 is allowed).`,
        );
      }
    }
  },
};

/** Removing a budget is allowed, but reviewers should see it. */
export const budgetCleared: ResourceValidationPolicy = {
  name: "usage-budget-cleared",
  description: "Flags budgets set to none, or that are cleared when their resource is deleted.",
  enforcementLevel: "advisory",
  validateResource: (args, reportViolation) => {
    for (const props of budgetsOf(args)) {
      if (props.amount === null)
        reportViolation(
          `${who(args, props.customerId)}: the budget is removed (amount null); the partner gets no 80 % e-mail for this customer.`,
        );
      if (props.onDelete === "clear")
        reportViolation(
          `${who(args, props.customerId)}: onDelete is "clear": deleting this resource removes the budget in Partner Center.`,
        );
    }
  },
};

/**
 * A budget below the customer's month-to-date spend: Partner Center mails the
 * partner at 80 % of the budget, so that e-mail would fire at once. The spend
 * is the one the provider recorded at the last refresh (or create) with an
 * App+User credential signed in with MFA, carried in the resource's inputs;
 * without it (app-only credentials, a budget never refreshed) the policy has
 * nothing to compare and stays silent. Advisory: spending past a budget is
 * sometimes the plan.
 */
export const budgetBelowSpend: ResourceValidationPolicy = {
  name: "usage-budget-below-spend",
  description: "Flags a budget below the customer's month-to-date spend (the 80 % e-mail would fire at once).",
  enforcementLevel: "advisory",
  validateResource: (args, reportViolation) => {
    // A UsageBudgetMap records no spend yet, so only UsageBudgets carry one to compare.
    for (const props of budgetsOf(args)) {
      if (typeof props.amount !== "number" || typeof props.spend !== "number" || !(props.amount < props.spend))
        continue;
      const currency =
        typeof props.currency === "string" && /^[A-Z]{3}$/.test(props.currency) ? ` ${props.currency}` : "";
      reportViolation(
        `${who(args, props.customerId)}: amount ${props.amount} is below the month-to-date spend ${props.spend}${currency} (as of the last refresh): the 80 % e-mail would fire at once; ` +
          "raise the amount above the spend, or preview with --refresh to compare with today's spend.",
      );
    }
  },
};

/** Every policy of the pack. */
export const usageBudgetPolicies: ResourceValidationPolicy[] = [
  budgetMaximum,
  budgetMinimum,
  budgetCleared,
  budgetBelowSpend,
];
