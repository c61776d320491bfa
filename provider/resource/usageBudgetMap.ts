import * as pulumi from "@pulumi/pulumi";
import type { RecordedBudget } from "./budgetMapShape";
import type { BudgetEntry } from "../gitops/budgetsFile";
import { claimCustomers } from "./customerClaims";
import { DEFAULT_ON_DELETE, type OnDelete } from "../budget/inputValues";
import { BUDGET_MAP_HOST_MODULE, dynamicResourceType, serializedProvider } from "./serializedProvider";

/** What every UsageBudgetMap stores as `__provider`: a line loading the installed package's map host. */
const USAGE_BUDGET_MAP_PROVIDER = serializedProvider(undefined, BUDGET_MAP_HOST_MODULE);

/** The inputs of a {@link UsageBudgetMap}. */
export interface UsageBudgetMapArgs {
  /** The budgets, validated (as `readBudgetsFile` or `validateBudgetEntries` return them). */
  budgets: readonly BudgetEntry[];
  /** `onDelete` for entries that do not set it (default `"retain"`). */
  onDelete?: OnDelete;
}

/**
 * Many customers' usage budgets as ONE resource: state holds the map of
 * customer id to budget, each customer is read and written through the same
 * client and scheduler as a {@link UsageBudget}, and `pulumi preview --diff`
 * names each customer that changes. One engine step and one checkpoint write
 * per command instead of one per customer. Usually declared through
 * `new UsageBudgetSet(name, { file, asOneResource: true })`; see
 * docs/large-partners.md for what it costs.
 */
export class UsageBudgetMap extends pulumi.CustomResource {
  /** Every customer the resource manages, as Partner Center last reported each: amount, previousAmount, onDelete, and the notes of the last run. */
  declare public readonly budgets: pulumi.Output<Record<string, RecordedBudget>>;

  /**
   * @param name - the resource's name in the stack
   * @param args - the validated budgets
   * @param opts - Pulumi resource options
   */
  constructor(name: string, args: UsageBudgetMapArgs, opts?: pulumi.CustomResourceOptions) {
    const declared = Object.fromEntries(
      args.budgets.map((entry) => [
        entry.customerId,
        { amount: entry.amount, onDelete: entry.onDelete ?? args.onDelete ?? DEFAULT_ON_DELETE },
      ]),
    );
    // Claimed like UsageBudgets' customers, so that no customer is declared by two resources; the input waits for it.
    const claimed = claimCustomers(Object.keys(declared), `UsageBudgetMap ${JSON.stringify(name)}`);
    // As UsageBudget: a custom resource of the dynamic provider host with the provider text written here (see
    // serializedProvider.ts), so that every package layout loads it and the program's line is the source position.
    super(
      dynamicResourceType("UsageBudgetMap"),
      name,
      { budgets: claimed.apply(() => declared), __provider: USAGE_BUDGET_MAP_PROVIDER },
      opts,
    );
  }
}
