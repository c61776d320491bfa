import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateCustomers, PartnerCenterEmulator } from "pulumi-partnercenter/emulator";
import { parseBudgetsText } from "../../provider/gitops/budgetsFile";
import { startStack } from "../engine/stack";
import { cli } from "../support/cli";

describe("partnercenter-budgets", function () {
  this.timeout(180_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "pc-cli-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("export lists 150 customers across many pages; declared as is, the file changes nothing", async () => {
    const customers = generateCustomers(150);
    const stack = await startStack({
      emulator: { customers, faults: { partnerRateLimit: { perSecond: 1500, burst: 200 } } },
    });
    try {
      const env = {
        PARTNERCENTER_ENDPOINT: stack.emulator.endpoint,
        PARTNERCENTER_ACCESS_TOKEN: stack.emulator.accessToken,
      };
      const file = join(dir, "budgets.yaml");
      const run = await cli(["export", "--output", file, "--page-size", "25"], env);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /listed 150 customers/);
      assert.match(run.stderr, /wrote 150 budgets/);
      assert.equal(stack.emulator.requests.filter((r) => r.path.startsWith("/v1/customers?")).length, 6, "6 pages");
      const entries = parseBudgetsText(readFileSync(file, "utf8"), file);
      assert.equal(entries.length, 150);
      for (const entry of entries) assert.equal(entry.amount, stack.emulator.budgetOf(entry.customerId));
      assert.equal(entries.find((e) => e.customerId === customers[0]!.id)?.name, "Customer 1");

      // The stack declares the exported file: the first up reads every budget and writes none.
      stack.emulator.clearRequests();
      const sets = [{ name: "budgets", file }];
      const up = await stack.engine.up([], {}, sets);
      assert.deepEqual(up.errors, []);
      assert.equal((await stack.engine.state()).size, 150);
      assert.equal(stack.emulator.requests.filter((r) => r.method === "PATCH").length, 0, "no budget was written");
      const preview = await stack.engine.preview([], { refresh: true, expectNoChanges: true }, sets);
      assert.equal(preview.result.exitCode, 0, "a refreshing preview shows no change");
      assert.ok(preview.steps.filter((s) => s.op !== "refresh").every((s) => s.op === "same"));

      // diff agrees, then sees a change made in the portal.
      assert.equal((await cli(["diff", file], env)).code, 0);
      stack.emulator.setBudget(customers[7]!.id, 31337);
      const drift = await cli(["diff", file], env);
      assert.equal(drift.code, 1);
      assert.match(
        drift.stdout,
        new RegExp(`~ ${customers[7]!.id} \\(Customer 8\\): declared \\d+, Partner Center has 31337`),
      );
      assert.match(drift.stdout, /1 of 150 budgets drifted/);
    } finally {
      await stack.stop();
    }
  });

  it("diff says which customer could not be read, and exits 2 (could not check)", async () => {
    const emulator = await PartnerCenterEmulator.start();
    try {
      const [contoso, fabrikam] = emulator.customers();
      const file = join(dir, "budgets.json");
      writeFileSync(
        file,
        JSON.stringify({
          budgets: [
            { customerId: contoso!.id, amount: contoso!.amount },
            { customerId: fabrikam!.id, amount: null },
          ],
        }),
      );
      emulator.removeCustomer(fabrikam!.id);
      const run = await cli(["diff", file], {
        PARTNERCENTER_ENDPOINT: emulator.endpoint,
        PARTNERCENTER_ACCESS_TOKEN: emulator.accessToken,
      });
      assert.equal(run.code, 2);
      assert.match(
        run.stdout,
        new RegExp(`! ${fabrikam!.id}: could not be read: Partner Center answered HTTP 404, code 60003`),
      );
      assert.match(run.stdout, /0 of 2 budgets drifted, 1 could not be read/);
    } finally {
      await emulator.stop();
    }
  });

  it("a bad file, setting or command exits 3 with a message naming it", async () => {
    const file = join(dir, "bad.yaml");
    writeFileSync(file, "budgets:\n  - customerId: nope\n    amount: 5\n");
    const badFile = await cli(["diff", file], { PARTNERCENTER_ACCESS_TOKEN: "t" });
    assert.equal(badFile.code, 3);
    assert.match(badFile.stderr, /bad.yaml line 2, entry 1 \(customer nope\): customerId "nope" is not a GUID/);
    const badSetting = await cli(["export"], {
      PARTNERCENTER_ENDPOINT: "http://pc.example.com",
      PARTNERCENTER_ACCESS_TOKEN: "t",
    });
    assert.equal(badSetting.code, 3);
    assert.match(
      badSetting.stderr,
      /environment variable PARTNERCENTER_ENDPOINT: "http:\/\/pc.example.com" uses plain http/,
    );
    const noCredentials = await cli(["export"], {});
    assert.equal(noCredentials.code, 3);
    assert.match(noCredentials.stderr, /No Partner Center credentials are configured/);
    const badCommand = await cli(["import"], {});
    assert.equal(badCommand.code, 3);
    assert.match(badCommand.stderr, /unknown command 'import'/);
  });
});
