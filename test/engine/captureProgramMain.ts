/**
 * Runs a Pulumi program under `pulumi.runtime.setMocks` in its own process and
 * prints every resource it registers as one JSON line after `REGISTERED `.
 * Usage: node captureProgramMain.js <program path> <project> <stack>
 * Stack config comes from `PULUMI_CONFIG`, as the language host passes it.
 */
import * as pulumi from "@pulumi/pulumi";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

async function main(): Promise<void> {
  const [programPath, project, stack] = process.argv.slice(2);
  if (!programPath || !project || !stack) throw new Error("usage: captureProgramMain <program> <project> <stack>");
  const registered: Registered[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    project,
    stack,
    true,
  );
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(programPath);
  await pulumi.runtime.disconnect();
  process.stdout.write(`REGISTERED ${JSON.stringify(registered)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
