/**
 * A quick, ad-hoc measurement of UsageBudgetSet's two ways of declaring budgets through the real Pulumi CLI (file
 * backend, emulator with no latency and no limit, the CLI's default flags): `up` creating, `up` changing every
 * amount, `preview --refresh`. Not a test and not the scale benchmark (bench/): a first look at the lever.
 *
 *   node dist/scripts/measureBudgetModes.js <count> <per-customer|one-resource>
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateCustomers } from "pulumi-partnercenter/emulator";
import { startStack } from "../test/engine/stack";

async function main(): Promise<void> {
  const count = Number(process.argv[2]);
  const mode = process.argv[3];
  if (!Number.isInteger(count) || count < 1 || count > 50_000 || (mode !== "per-customer" && mode !== "one-resource")) {
    throw new Error("usage: node dist/scripts/measureBudgetModes.js <count 1..50000> <per-customer|one-resource>");
  }
  const customers = generateCustomers(count);
  const stack = await startStack({ emulator: { customers } });
  try {
    const file = join(stack.directory, "budgets.yaml");
    const write = (offset: number) => writeFileSync(file, `budgets:\n${customers.map((customer, index) => `  - customerId: ${customer.id}\n    amount: ${offset + index}\n`).join("")}`);
    const set = [{ name: "budgets", file, asOneResource: mode === "one-resource" }];
    const timed = async (label: string, run: () => Promise<{ result: { exitCode: number; output: string } }>) => {
      const start = process.hrtime.bigint();
      const { result } = await run();
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (result.exitCode !== 0) throw new Error(`${label} exited ${result.exitCode}:\n${result.output.slice(-2000)}`);
      console.log(`${mode}\t${count}\t${label}\t${seconds.toFixed(1)} s\t${((seconds * 1000) / count).toFixed(2)} ms/budget`);
    };
    write(10_000);
    await timed("up (create)", () => stack.engine.up([], {}, set));
    write(20_000);
    await timed("up (change every amount)", () => stack.engine.up([], {}, set));
    await timed("preview --refresh", () => stack.engine.preview([], { refresh: true }, set));
    console.log(`${mode}\t${count}\tstate\t${stack.engine.checkpointText().length} bytes\t${(stack.engine.checkpointText().length / count).toFixed(0)} bytes/budget`);
  } finally {
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
