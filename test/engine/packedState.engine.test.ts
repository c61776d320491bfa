import { strict as assert } from "node:assert";
import { lstatSync } from "node:fs";
import { join } from "node:path";
import { DEMO_CUSTOMERS } from "pulumi-partnercenter/emulator";
import { LEGACY_PROVIDER } from "./fixtures/legacyProvider";
import { packedProject, type PackedProject } from "./packedProject";
import { startStack, USAGE_BUDGET_TYPE, type TestStack } from "./stack";

const [CONTOSO, FABRIKAM, NORTHWIND] = DEMO_CUSTOMERS.map((customer) => customer.id) as [string, string, string];

async function byName(stack: TestStack, name: string) {
  return (await stack.engine.byName()).get(name);
}

describe("state in a partner's project (the package installed from its packed tarball)", function () {
  let project: PackedProject;
  let stack: TestStack;
  before(() => {
    project = packedProject();
  });
  after(() => project.remove());
  beforeEach(async () => {
    // Settings from the environment: a seeded resource's default provider stores no config, and a refresh configures from it.
    stack = await startStack({
      projectDir: project.directory,
      config: () => ({}),
      env: (emulator) => ({
        PARTNERCENTER_ENDPOINT: emulator.endpoint,
        PARTNERCENTER_ACCESS_TOKEN: emulator.accessToken,
      }),
    });
  });
  afterEach(() => stack.stop());

  it("__provider is the package's own text naming the host, the state at most 1,100 bytes per resource besides the program's stack, and the budgets work end to end", async () => {
    assert.ok(
      lstatSync(join(project.directory, "node_modules/pulumi-partnercenter")).isDirectory(),
      "installed, not linked",
    );
    const up = await stack.engine.up([
      stack.budget("contoso", { customerId: CONTOSO, amount: 1200 }),
      stack.budget("fabrikam", { customerId: FABRIKAM, amount: 10, onDelete: "clear" }),
    ]);
    assert.deepEqual(up.errors, []);
    const resources = [...(await stack.engine.state()).values()];
    assert.equal(resources.length, 2);
    for (const resource of resources) {
      // Written by the package, not by the closure serializer: the same text whatever the layout (layouts.engine.test.ts).
      assert.equal(resource.inputs.__provider, 'exports.handler = () => require("pulumi-partnercenter/host");');
      assert.equal(resource.outputs.__provider, resource.inputs.__provider);
    }
    // The whole checkpoint entry, less what the SDK and engine record about the program (its stack, its paths).
    for (const entry of (await stack.engine.resources()).filter((resource) => resource.type === USAGE_BUDGET_TYPE)) {
      const { stackTrace: _stack, sourcePosition: _position, ...controlled } = entry;
      const bytes = Buffer.byteLength(JSON.stringify(controlled));
      assert.ok(bytes <= 1100, `${entry.urn}: ${bytes} bytes of state`);
    }
    assert.equal(stack.emulator.budgetOf(CONTOSO), 1200);
    stack.emulator.setBudget(CONTOSO, 900);
    const refresh = await stack.engine.refresh();
    assert.deepEqual(refresh.errors, []);
    assert.equal((await byName(stack, "contoso"))?.outputs.amount, 900, "refresh reads through the small __provider");
    const destroy = await stack.engine.destroy();
    assert.deepEqual(destroy.errors, []);
    assert.equal(stack.emulator.budgetOf(FABRIKAM), null, "delete runs through it too (onDelete: clear)");
  });

  it("resources written by an earlier version (the shim's __provider) keep working, and take the small one on their next update", async () => {
    await stack.engine.seed(
      "northwind",
      NORTHWIND,
      { customerId: NORTHWIND, amount: 500, __provider: LEGACY_PROVIDER },
      { customerId: NORTHWIND, amount: 500, __provider: LEGACY_PROVIDER },
    );
    const refresh = await stack.engine.refresh();
    assert.deepEqual(refresh.errors, []);
    const up = await stack.engine.up([stack.budget("northwind", { customerId: NORTHWIND, amount: 650 })]);
    assert.deepEqual(up.errors, []);
    assert.equal(stack.emulator.budgetOf(NORTHWIND), 650);
    const northwind = await byName(stack, "northwind");
    assert.equal(northwind?.inputs.__provider, 'exports.handler = () => require("pulumi-partnercenter/host");');
    assert.equal(northwind?.outputs.__provider, northwind?.inputs.__provider);
  });
});
