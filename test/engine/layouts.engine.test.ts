import { strict as assert } from "node:assert";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DEMO_CUSTOMERS } from "pulumi-partnercenter/emulator";
import { LAYOUTS, layoutProject, type LayoutProject } from "./layouts";
import { startStack, type TestStack } from "./stack";

const [CONTOSO, FABRIKAM] = DEMO_CUSTOMERS.map((customer) => customer.id) as [string, string];
/** What every UsageBudget stores, in every layout and version. */
const PROVIDER_TEXT = 'exports.handler = () => require("pulumi-partnercenter/host");';
/** The version an upgrade installs: this tree's tarball under another number. */
const NEXT_VERSION = "99.0.0-next";

/** The version of the package installed in a folder (a pnpm store folder holds it in node_modules). */
function versionAt(folder: string): string {
  const manifest = existsSync(join(folder, "package.json"))
    ? join(folder, "package.json")
    : join(folder, "node_modules", "pulumi-partnercenter", "package.json");
  return (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
}

for (const layout of LAYOUTS) {
  describe(`the package in a ${layout} layout, through the real CLI`, function () {
    let project: LayoutProject;
    let stack: TestStack;
    before(async () => {
      project = layoutProject(layout);
      stack = await startStack({ projectDir: project.programDir });
    });
    after(async () => {
      await stack?.stop();
      project?.remove();
    });

    it("creates, refreshes, and after an upgrade to the next version refreshes and deletes what the earlier version wrote", async () => {
      const up = await stack.engine.up([
        stack.budget("contoso", { customerId: CONTOSO, amount: 1200 }),
        stack.budget("fabrikam", { customerId: FABRIKAM, amount: 10, onDelete: "clear" }),
      ]);
      assert.deepEqual(up.errors, [], up.result.output);
      for (const budget of (await stack.engine.state()).values()) {
        assert.equal(budget.inputs.__provider, PROVIDER_TEXT, `${budget.name}'s inputs`);
        assert.equal(budget.outputs.__provider, PROVIDER_TEXT, `${budget.name}'s outputs`);
      }
      assert.equal(stack.emulator.budgetOf(CONTOSO), 1200);

      stack.emulator.setBudget(CONTOSO, 900);
      const refresh = await stack.engine.refresh();
      assert.deepEqual(refresh.errors, [], refresh.result.output);
      assert.equal((await stack.engine.byName()).get("contoso")?.outputs.amount, 900);

      const earlier = project.installedFolder();
      project.upgrade(NEXT_VERSION);
      assert.ok(
        !existsSync(earlier) || versionAt(earlier) === NEXT_VERSION,
        `the earlier version's files in ${earlier} are gone`,
      );
      assert.equal(versionAt(project.packageDir), NEXT_VERSION, "the program's directory finds the next version");

      stack.emulator.setBudget(CONTOSO, 800);
      const refreshAfter = await stack.engine.refresh();
      assert.deepEqual(refreshAfter.errors, [], refreshAfter.result.output);
      assert.equal((await stack.engine.byName()).get("contoso")?.outputs.amount, 800, "read through the next version");

      const destroy = await stack.engine.destroy();
      assert.deepEqual(destroy.errors, [], destroy.result.output);
      assert.equal((await stack.engine.state()).size, 0);
      assert.equal(stack.emulator.budgetOf(FABRIKAM), null, "onDelete: clear ran through the next version");
      assert.equal(stack.emulator.budgetOf(CONTOSO), 800, "onDelete: retain");
    });
  });
}
