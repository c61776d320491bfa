/**
 * `node dist/bench/stateBytes.js [--n N] [--layout installed|linked] [--parallel P]`
 *
 * How many bytes each budget adds to a file backend's checkpoint: `pulumi up`
 * through the real CLI creates N budgets against the emulator; the checkpoint
 * file's size after it, less its size after an `up` of the same stack with no
 * budget, divided by N. Then where one budget's bytes go, field by field, as
 * the checkpoint writes them. `installed` runs the package from its packed
 * tarball in a project's `node_modules`; `linked` runs this checkout itself.
 */
import { parseArgs } from "node:util";
import { generateCustomers } from "pulumi-partnercenter/emulator";
import { packedProject, type PackedProject } from "../test/engine/packedProject";
import { startStack, USAGE_BUDGET_TYPE, type StateResource } from "../test/engine/stack";

/** The most budgets a run declares: the emulator and the CLI hold them all in memory. */
const MAX_BUDGETS = 20_000;

/** One field's share of a budget's state, as the checkpoint file writes it. */
interface FieldBytes {
  field: string;
  bytes: number;
}

/**
 * The bytes of each top-level field of a resource and of each input and output, measured as the file backend
 * indents them (four spaces a level, three levels deep for a resource's fields).
 */
function fieldBytes(resource: StateResource): FieldBytes[] {
  const indented = (value: unknown, depth: number) =>
    Buffer.byteLength(JSON.stringify(value, null, 4).replace(/\n/g, `\n${" ".repeat(4 * depth)}`));
  const fields: FieldBytes[] = [];
  for (const [key, value] of Object.entries(resource)) {
    if ((key === "inputs" || key === "outputs") && value && typeof value === "object") {
      for (const [name, inner] of Object.entries(value))
        fields.push({ field: `${key}.${name}`, bytes: indented(inner, 4) + name.length + 20 });
    } else {
      fields.push({ field: key, bytes: indented(value, 3) + key.length + 16 });
    }
  }
  return fields.sort((a, b) => b.bytes - a.bytes);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      n: { type: "string", default: "200" },
      layout: { type: "string", default: "installed" },
      parallel: { type: "string", default: "16" },
    },
  });
  const n = Number(values.n);
  const parallel = Number(values.parallel);
  if (!Number.isInteger(n) || n < 1 || n > MAX_BUDGETS)
    throw new Error(`--n ${values.n}: give a whole number of budgets from 1 to ${MAX_BUDGETS}`);
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > 256)
    throw new Error(`--parallel ${values.parallel}: give a whole number from 1 to 256`);
  if (values.layout !== "installed" && values.layout !== "linked")
    throw new Error(`--layout ${values.layout}: use installed or linked`);
  const customers = generateCustomers(n);
  const project: PackedProject | undefined = values.layout === "installed" ? packedProject() : undefined;
  try {
    const stack = await startStack({ emulator: { customers }, ...(project ? { projectDir: project.directory } : {}) });
    try {
      const empty = await stack.engine.up([]);
      if (empty.result.exitCode !== 0) throw new Error(`up with no budget failed:\n${empty.result.output}`);
      const before = Buffer.byteLength(stack.engine.checkpointText());
      const budgets = customers.map((customer, index) =>
        stack.budget(`budget-${index}`, { customerId: customer.id, amount: 1000 + index }),
      );
      const up = await stack.engine.up(budgets, { parallel });
      if (up.result.exitCode !== 0 || up.errors.length > 0)
        throw new Error(`up failed:\n${up.errors.slice(0, 5).join("\n")}\n${up.result.output.slice(-2000)}`);
      const after = Buffer.byteLength(stack.engine.checkpointText());
      const resources = (
        JSON.parse(stack.engine.checkpointText()) as { checkpoint: { latest: { resources: StateResource[] } } }
      ).checkpoint.latest.resources;
      const sample = resources.find((resource) => resource.type === USAGE_BUDGET_TYPE);
      if (!sample) throw new Error("no UsageBudget in the checkpoint");
      console.log(`layout ${values.layout}, ${n} budgets, --parallel ${parallel}`);
      console.log(
        `checkpoint ${before} bytes with no budget, ${after} bytes with ${n}: ${((after - before) / n).toFixed(1)} bytes per budget`,
      );
      console.log("one budget, field by field (approximate, as indented in the checkpoint):");
      for (const { field, bytes } of fieldBytes(sample)) console.log(`  ${String(bytes).padStart(6)}  ${field}`);
      console.log(`inputs.__provider text:\n${String(sample.inputs?.__provider)}`);
      const shown = {
        ...sample,
        inputs: { ...sample.inputs, __provider: "(above)" },
        outputs: { ...sample.outputs, __provider: "(above)" },
      };
      console.log(`the budget's checkpoint entry:\n${JSON.stringify(shown, null, 4)}`);
    } finally {
      await stack.stop();
    }
  } finally {
    project?.remove();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
