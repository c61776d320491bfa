/**
 * The demo stack: the customers' usage spending budgets declared in a reviewed
 * file (examples/budgets.yaml), one UsageBudget per entry. The customer ids
 * are the emulator's demo customers (`npm run emulator`).
 */
import { UsageBudgetSet } from "pulumi-partnercenter";

/** Paths are relative to the project directory, where Pulumi runs the program. */
const budgets = new UsageBudgetSet("budgets", { file: "examples/budgets.yaml" });

/** Each customer's budget as Partner Center reports it. */
export const amounts = budgets.amounts;
