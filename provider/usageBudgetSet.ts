import * as pulumi from "@pulumi/pulumi";
import { BudgetsFileError, readBudgetsFile, validateBudgetEntries, type BudgetEntry } from "./budgetsFile";
import type { OnDelete } from "./inputValues";
import { UsageBudget } from "./usageBudget";

/** The inputs of a {@link UsageBudgetSet}: a list of entries or a budgets file, not both. */
export interface UsageBudgetSetArgs {
  /** The budgets, in code. */
  budgets?: readonly BudgetEntry[];
  /** A YAML or JSON budgets file (relative to the Pulumi project directory). */
  file?: string;
  /** `onDelete` for entries that do not set it (default `"retain"`). */
  onDelete?: OnDelete;
}

/**
 * Many customers' usage budgets from one reviewed list or file: one
 * {@link UsageBudget} per entry, each named from its customer id (so
 * reordering or inserting entries never replaces anything).
 *
 * @example
 * ```ts
 * new UsageBudgetSet("budgets", { file: "budgets.yaml" });
 * ```
 */
export class UsageBudgetSet extends pulumi.ComponentResource {
  /** The budgets by customer id. */
  readonly budgets: Record<string, UsageBudget>;
  /**
   * Each customer's `amount` output as this program run resolved it, by customer id: in `pulumi up`, what Partner
   * Center answered for the budgets the run created or updated (their state for the others); in a preview, the
   * declared amounts. Stack outputs are computed only when the program runs, so `pulumi refresh` does not change
   * them, and an update that failed is not shown here: for what Partner Center holds now, see each UsageBudget's
   * state after a refresh, or `partnercenter-budgets diff`.
   */
  readonly amounts: pulumi.Output<Record<string, number | null>>;

  /**
   * @param name - the component's name; children are named `<name>-<customer id>`
   * @param args - the budgets or the file
   * @param opts - Pulumi component options
   */
  constructor(name: string, args: UsageBudgetSetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("partnercenter:index:UsageBudgetSet", name, {}, opts);
    const entries = entriesOf(name, args);
    this.budgets = {};
    for (const entry of entries) {
      this.budgets[entry.customerId] = new UsageBudget(
        `${name}-${entry.customerId}`,
        { customerId: entry.customerId, amount: entry.amount, onDelete: entry.onDelete ?? args.onDelete },
        { parent: this },
      );
    }
    this.amounts = pulumi
      .all(Object.entries(this.budgets).map(([customerId, budget]) => budget.amount.apply((amount) => [customerId, amount] as const)))
      .apply((pairs) => Object.fromEntries(pairs));
    this.registerOutputs({ amounts: this.amounts });
  }
}

function entriesOf(name: string, args: UsageBudgetSetArgs): BudgetEntry[] {
  if ((args.budgets === undefined) === (args.file === undefined)) {
    throw new BudgetsFileError([`UsageBudgetSet ${JSON.stringify(name)}: give either budgets (a list) or file (a budgets file), not ${args.file ? "both" : "neither"}`]);
  }
  return args.file !== undefined ? readBudgetsFile(args.file) : validateBudgetEntries(args.budgets ?? [], (index) => `UsageBudgetSet ${JSON.stringify(name)} budgets[${index}]`);
}
