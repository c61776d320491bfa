import * as pulumi from "@pulumi/pulumi";
import type { OnDelete } from "../budget/inputValues";
import { claimCustomer } from "./customerClaims";
import { dynamicResourceType, serializedProvider } from "./serializedProvider";

/** The `__provider` every UsageBudget stores: the installed package's host module, loaded by name (see serializedProvider.ts). */
const USAGE_BUDGET_PROVIDER = serializedProvider();

/** The inputs of a {@link UsageBudget}. */
export interface UsageBudgetArgs {
  /** The customer's Microsoft tenant id (a GUID, any case). Changing it replaces the resource. */
  customerId: pulumi.Input<string>;
  /** The monthly budget in the customer's billing currency: ≥ 0, at most two decimals; null for no budget. */
  amount: pulumi.Input<number | null>;
  /** On delete, `"retain"` (default) leaves the budget in Partner Center; `"clear"` removes it. */
  onDelete?: pulumi.Input<OnDelete>;
}

/**
 * A Partner Center customer's usage spending budget.
 *
 * Declaring one adopts the customer's existing budget (recorded in
 * `previousAmount`) and sets it to `amount`; refresh shows drift made in the
 * portal; deleting it retains or clears the budget as `onDelete` says.
 *
 * @example
 * ```ts
 * new UsageBudget("contoso", { customerId: "0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10", amount: 500 });
 * ```
 */
export class UsageBudget extends pulumi.CustomResource {
  /** The customer's tenant id, lowercase. */
  declare public readonly customerId: pulumi.Output<string>;
  /** The budget as Partner Center reports it; null for none. */
  declare public readonly amount: pulumi.Output<number | null>;
  /** The budget found before this resource first set it; null if there was none. */
  declare public readonly previousAmount: pulumi.Output<number | null>;
  /** What deleting the resource does to the budget. */
  declare public readonly onDelete: pulumi.Output<OnDelete>;
  /** After a refresh that found drift: who changed the budget, when and from what (Partner Center's activity log). */
  declare public readonly lastChange: pulumi.Output<string | undefined>;
  /** After a refresh Partner Center refused for this customer (403, code 20002): why its budget could not be read. */
  declare public readonly readError: pulumi.Output<string | undefined>;
  /** Month-to-date spend in the customer's billing currency, as of the last create or refresh; unset without an App+User credential with MFA. */
  declare public readonly spend: pulumi.Output<number | undefined>;
  /** The billing currency of `spend` (ISO 4217); unset when not known. */
  declare public readonly currency: pulumi.Output<string | undefined>;
  /** `spend` as a percentage of `amount` (can exceed 100); unset without spend or a budget above 0. */
  declare public readonly percentUsed: pulumi.Output<number | undefined>;

  /**
   * @param name - the resource's name in the stack
   * @param args - the budget to declare
   * @param opts - Pulumi resource options
   */
  constructor(name: string, args: UsageBudgetArgs, opts?: pulumi.CustomResourceOptions) {
    // A custom resource of the dynamic provider host, as pulumi.dynamic.Resource registers one, with the provider text
    // written here instead of by the closure serializer. Extending CustomResource directly also makes the SDK record
    // the program's line as the source position (resource.ts skips four frames: one more class would be recorded).
    super(
      dynamicResourceType("UsageBudget"),
      name,
      {
        customerId: claimCustomer(args.customerId, `UsageBudget ${JSON.stringify(name)}`),
        amount: args.amount,
        onDelete: args.onDelete,
        previousAmount: undefined,
        lastChange: undefined,
        readError: undefined,
        spend: undefined,
        currency: undefined,
        percentUsed: undefined,
        __provider: USAGE_BUDGET_PROVIDER,
      },
      opts,
    );
  }
}
