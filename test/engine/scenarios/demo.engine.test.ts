import { strict as assert } from "node:assert";
import { resolve } from "node:path";
import { PartnerCenterEmulator } from "pulumi-partnercenter/emulator";
import { PulumiModel } from "../model/pulumi";
import { cleanEnv } from "../stack";

const REPOSITORY = resolve(__dirname, "../../../..");
const CONTOSO = "0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10";

describe("the repository's demo project (Pulumi.yaml, main: examples/) run as `npm run demo` asks the CLI to", function () {
  this.timeout(120_000);

  it("up creates every budget of examples/budgets.yaml, and preview --refresh --diff shows a portal change as drift", async () => {
    const emulator = await PartnerCenterEmulator.start();
    try {
      const model = new PulumiModel({
        projectDir: REPOSITORY,
        stack: "demo",
        env: cleanEnv({ PARTNERCENTER_ENDPOINT: emulator.endpoint, PARTNERCENTER_ACCESS_TOKEN: emulator.accessToken }),
      });
      assert.equal(model.project.pwd, resolve(REPOSITORY, "examples"), "the engine runs the program from main's directory");
      const up = await model.up();
      assert.equal(up.exitCode, 0, up.output + up.passes.map((pass) => pass.programOutput).join("\n"));
      assert.equal(emulator.budgetOf(CONTOSO), 1200);
      emulator.setBudget(CONTOSO, 4000);
      const preview = await model.preview({ refresh: true, diff: true });
      assert.equal(preview.exitCode, 0, preview.output);
      assert.match(preview.output, new RegExp(`UsageBudget budgets-${CONTOSO} refresh \\(changed\\)\\n\\s+amount: 1200 => 4000`));
      assert.match(preview.output, new RegExp(`UsageBudget budgets-${CONTOSO} update\\n\\s+amount: 4000 => 1200`));
      assert.match(preview.output, /~ 1 to update/);
    } finally {
      await emulator.stop();
    }
  });
});
