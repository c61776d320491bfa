import * as pulumi from "@pulumi/pulumi";
import { readBudgetsFile, validateBudgetEntries, type BudgetEntry } from "../gitops/budgetsFile";
import type { OnDelete } from "../budget/inputValues";
import { checkBudgetsSlice, sliceEntries, type CustomerIdRange, type Shard } from "../gitops/shards";
import { UsageBudget } from "./usageBudget";
import { UsageBudgetMap } from "./usageBudgetMap";
import { BudgetsFileError } from "../shared/errors";

/** The inputs of a {@link UsageBudgetSet}: a list of entries or a budgets file, not both. */
export interface UsageBudgetSetArgs {
  /** The budgets, in code. */
  budgets?: readonly BudgetEntry[];
  /** A YAML or JSON budgets file (relative to the Pulumi project directory). */
  file?: string;
  /** `onDelete` for entries that do not set it (default `"retain"`). */
  onDelete?: OnDelete;
  /**
   * Apply only one shard of the budgets: `{ index, count }`, for `count` stacks sharing one file, numbered 0 to
   * count − 1. A customer's shard depends only on its id and the count, so adding or removing customers moves no one.
   */
  shard?: Shard;
  /** Apply only customers whose lowercase id sorts from `from` (inclusive) to `to` (exclusive), e.g. `{ from: "0", to: "8" }`. */
  customerIds?: CustomerIdRange;
  /**
   * Declare the budgets as one UsageBudgetMap resource instead of one UsageBudget per customer: one engine step
   * and one checkpoint write per command, whatever the count. See docs/large-partners.md for what it costs
   * (per-customer `--target`, policy findings per resource). Switching an existing stack deletes the per-customer
   * resources: do it with `onDelete: "retain"` in effect.
   */
  asOneResource?: boolean;
}

/**
 * Many customers' usage budgets from one reviewed list or file: one
 * {@link UsageBudget} per entry, each named from its customer id (so
 * reordering or inserting entries never replaces anything); or, with
 * `asOneResource`, one {@link UsageBudgetMap} holding them all. `shard` and
 * `customerIds` apply a slice of the file, for several stacks sharing it
 * (docs/large-partners.md).
 *
 * @example
 * ```ts
 * new UsageBudgetSet("budgets", { file: "budgets.yaml" });
 * ```
 */
export class UsageBudgetSet extends pulumi.ComponentResource {
  /** The budgets by customer id (none with `asOneResource`). */
  readonly budgets: Record<string, UsageBudget>;
  /** With `asOneResource`, the one resource holding every budget. */
  readonly budgetMap: UsageBudgetMap | undefined;
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
    if (args.asOneResource) {
      this.budgetMap = new UsageBudgetMap(
        name,
        { budgets: entries, ...(args.onDelete ? { onDelete: args.onDelete } : {}) },
        { parent: this },
      );
      this.amounts = this.budgetMap.budgets.apply((budgets) =>
        Object.fromEntries(Object.entries(budgets ?? {}).map(([customerId, budget]) => [customerId, budget.amount])),
      );
      this.registerOutputs({ amounts: this.amounts });
      return;
    }
    this.budgetMap = undefined;
    for (const entry of entries) {
      this.budgets[entry.customerId] = new UsageBudget(
        `${name}-${entry.customerId}`,
        { customerId: entry.customerId, amount: entry.amount, onDelete: entry.onDelete ?? args.onDelete },
        { parent: this },
      );
    }
    this.amounts = pulumi
      .all(
        Object.entries(this.budgets).map(([customerId, budget]) =>
          budget.amount.apply((amount) => [customerId, amount] as const),
        ),
      )
      .apply((pairs) => Object.fromEntries(pairs));
    this.registerOutputs({ amounts: this.amounts });
  }
}

/** The entries this set applies: the list or the file, validated whole, then sliced. */
function entriesOf(name: string, args: UsageBudgetSetArgs): BudgetEntry[] {
  const where = `UsageBudgetSet ${JSON.stringify(name)}`;
  if ((args.budgets === undefined) === (args.file === undefined)) {
    throw new BudgetsFileError([
      `${where}: give either budgets (a list) or file (a budgets file), not ${args.file ? "both" : "neither"}`,
    ]);
  }
  // Checked before the file is read: a wrong shard is the program's mistake, whatever the file holds.
  const slice = checkBudgetsSlice(
    {
      ...(args.shard !== undefined ? { shard: args.shard } : {}),
      ...(args.customerIds !== undefined ? { customerIds: args.customerIds } : {}),
    },
    where,
  );
  // The whole file is validated (a duplicate across two shards is still a duplicate), then sliced.
  const all =
    args.file !== undefined
      ? readBudgetsFile(args.file)
      : validateBudgetEntries(args.budgets ?? [], (index) => `${where} budgets[${index}]`);
  return sliceEntries(all, slice);
}
