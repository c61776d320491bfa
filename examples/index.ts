/**
 * The demo stack: the customers' usage spending budgets declared in a reviewed
 * file (budgets.yaml beside this program), one UsageBudget per entry. The
 * customer ids are the emulator's demo customers (`npm run emulator`).
 */
import { UsageBudgetSet } from "pulumi-partnercenter";

/** Pulumi runs the program in the directory of Pulumi.yaml's `main` (examples/), so this path is relative to it. */
const budgets = new UsageBudgetSet("budgets", { file: "budgets.yaml" });

/** Each customer's amount as this run left it (a preview shows the declared ones; see UsageBudgetSet.amounts). */
export const amounts = budgets.amounts;
