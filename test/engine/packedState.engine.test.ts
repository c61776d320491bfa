import { strict as assert } from "node:assert";
import { lstatSync } from "node:fs";
import { join } from "node:path";
import { DEMO_CUSTOMERS } from "pulumi-partnercenter/emulator";
import { LEGACY_PROVIDER } from "./fixtures/legacyProvider";
import { packedProject, type PackedProject } from "./packedProject";
import { startStack, type TestStack } from "./stack";

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
      env: (emulator) => ({ PARTNERCENTER_ENDPOINT: emulator.endpoint, PARTNERCENTER_ACCESS_TOKEN: emulator.accessToken }),
    });
  });
  afterEach(() => stack.stop());

  it("__provider is at most 400 bytes and the state at most 1.5 KB per resource, and the budgets work end to end", async () => {
    assert.ok(lstatSync(join(project.directory, "node_modules/pulumi-partnercenter")).isDirectory(), "installed, not linked");
    const up = await stack.engine.up([stack.budget("contoso", { customerId: CONTOSO, amount: 1200 }), stack.budget("fabrikam", { customerId: FABRIKAM, amount: 10, onDelete: "clear" })]);
    assert.deepEqual(up.errors, []);
    const resources = [...(await stack.engine.state()).values()];
    assert.equal(resources.length, 2);
    for (const resource of resources) {
      const provider = String(resource.inputs.__provider);
      assert.ok(Buffer.byteLength(provider) <= 400, `__provider is ${Buffer.byteLength(provider)} bytes:\n${provider}`);
      // The installed package's module, by a name its exports allow: "./host", or the file path the serializer falls
      // back to when it cannot read the package from @pulumi/pulumi's own location (a linked @pulumi/pulumi, here).
      assert.match(provider, /require\("pulumi-partnercenter\/(host|dist\/provider\/entryPoint\.js)"\)/);
      const bytes = Buffer.byteLength(JSON.stringify(resource));
      assert.ok(bytes <= 1536, `${resource.name}: ${bytes} bytes of state`);
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
    await stack.engine.seed("northwind", NORTHWIND, { customerId: NORTHWIND, amount: 500, __provider: LEGACY_PROVIDER }, { customerId: NORTHWIND, amount: 500, __provider: LEGACY_PROVIDER });
    const refresh = await stack.engine.refresh();
    assert.deepEqual(refresh.errors, []);
    const up = await stack.engine.up([stack.budget("northwind", { customerId: NORTHWIND, amount: 650 })]);
    assert.deepEqual(up.errors, []);
    assert.equal(stack.emulator.budgetOf(NORTHWIND), 650);
    assert.ok(Buffer.byteLength(String((await byName(stack, "northwind"))?.inputs.__provider)) <= 400);
  });
});
