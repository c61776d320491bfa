/**
 * The demo stack: the customers' usage spending budgets declared in a reviewed
 * file (budgets.yaml beside this program), one UsageBudget per entry. The
 * customer ids are the emulator's demo customers (`npm run emulator`).
 */
import * as pulumi from "@pulumi/pulumi";
import { UsageBudgetSet } from "pulumi-partnercenter";

/**
 * A stack that applies one shard of the file sets `shardIndex` and `shardCount` in its config (examples/github/up-shards.yml);
 * without them, the stack applies the whole file.
 */
const config = new pulumi.Config();
const shardCount = config.getNumber("shardCount");
const shard =
  shardCount === undefined ? {} : { shard: { index: config.requireNumber("shardIndex"), count: shardCount } };

/** Pulumi runs the program in the directory of Pulumi.yaml's `main` (examples/), so this path is relative to it. */
const budgets = new UsageBudgetSet("budgets", { file: "budgets.yaml", ...shard });

/** Each customer's amount as this run left it (a preview shows the declared ones; see UsageBudgetSet.amounts). */
export const amounts = budgets.amounts;
