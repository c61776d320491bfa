/** `partnercenter-budgets diff` names who changed each drifted budget, from the emulator's activity log. */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateCustomers, PartnerCenterEmulator } from "pulumi-partnercenter/emulator";
import { cli, type Run } from "../support/cli";

const DAY_MS = 24 * 3600_000;

interface Report {
  drifted: {
    customerId: string;
    live: number | null;
    attribution: { found: boolean; by?: string; from?: number | null; to?: number | null; reason?: string };
  }[];
}

describe("diff names who changed a drifted budget, from the activity log", function () {
  this.timeout(30_000);
  let emulator: PartnerCenterEmulator;
  let dir: string;
  const customers = generateCustomers(8);
  const ids = customers.map((customer) => customer.id);

  beforeEach(async () => {
    emulator = await PartnerCenterEmulator.start({ customers });
    dir = mkdtempSync(join(tmpdir(), "pc-attr-"));
    writeFileSync(
      join(dir, "budgets.yaml"),
      `budgets:\n${customers.map((c) => `  - customerId: ${c.id}\n    amount: ${c.amount === null ? "null" : c.amount}\n`).join("")}`,
    );
  });
  afterEach(async () => {
    rmSync(dir, { recursive: true, force: true });
    await emulator.stop();
  });

  async function diff(format: string): Promise<Run> {
    return cli(["diff", join(dir, "budgets.yaml"), "--format", format], {
      PARTNERCENTER_ENDPOINT: emulator.endpoint,
      PARTNERCENTER_ACCESS_TOKEN: emulator.accessToken,
    });
  }

  it("finds each change through several pages of unrelated records, with one request per page rather than per customer", async () => {
    for (const [i, id] of ids.slice(0, 6).entries())
      emulator.setBudget(id, 5000 + i, `user${i}@partner.onmicrosoft.com`);
    for (let i = 0; i < 1200; i++)
      emulator.audit.add({
        customerId: ids[i % 8]!,
        operationType: i % 2 ? "update_customer_qualification" : "create_order",
      });
    emulator.clearRequests();
    const run = await diff("json");
    assert.equal(run.code, 1);
    const report = JSON.parse(run.stdout) as Report;
    assert.equal(report.drifted.length, 6);
    for (const [i, drift] of report.drifted.entries())
      assert.deepEqual(
        { by: drift.attribution.by, to: drift.attribution.to },
        { by: `user${i}@partner.onmicrosoft.com`, to: 5000 + i },
      );
    const logRequests = emulator.requests.filter((request) => request.path.startsWith("/v1/auditrecords")).length;
    assert.equal(logRequests, 3, "1,206 records at 500 a page: three requests for six drifted customers");
  });

  it("skips a failed attempt after the real change, and says plainly when the change is older than 90 days or the log is forbidden", async () => {
    emulator.setBudget(ids[0]!, 4000, "jane@partner.onmicrosoft.com");
    emulator.audit.add({
      customerId: ids[0]!,
      operationType: "update_customer_spending_budget",
      operationStatus: "failed",
      userPrincipalName: "mallory@partner.onmicrosoft.com",
      resourceNewValue: '{"Amount": 4000}',
    });
    emulator.setBudget(ids[1]!, 777, "old@partner.onmicrosoft.com");
    emulator.audit.records.find((record) => record.userPrincipalName === "old@partner.onmicrosoft.com")!.operationDate =
      new Date(Date.now() - 100 * DAY_MS).toISOString();
    emulator.audit.records.sort((a, b) => a.operationDate.localeCompare(b.operationDate));
    const text = await diff("text");
    assert.equal(text.code, 1);
    assert.match(
      text.stdout,
      new RegExp(
        `~ ${ids[0]}: declared .*, Partner Center has 4000 — changed by jane@partner.onmicrosoft.com on \\S+, from .* to 4000`,
      ),
    );
    assert.match(
      text.stdout,
      new RegExp(
        `~ ${ids[1]}: declared .*, Partner Center has 777 — the activity log shows no change to this amount in the last 90 days`,
      ),
    );
    emulator.audit.forbidden = true;
    const forbidden = await diff("text");
    assert.equal(forbidden.code, 1, "the drift is still reported and the exit code unchanged");
    assert.match(
      forbidden.stdout,
      new RegExp(`~ ${ids[0]}: .* — the credential may not read the activity log \\(HTTP 403\\)`),
    );
  });

  it("'no budget' on either side of a change, and the Markdown report", async () => {
    const withBudget = customers.find((c) => c.amount !== null)!;
    emulator.setBudget(withBudget.id, null, "remover@partner.onmicrosoft.com");
    const report = JSON.parse((await diff("json")).stdout) as Report;
    assert.equal(report.drifted.length, 1);
    const { found, by, from, to } = report.drifted[0]!.attribution;
    assert.deepEqual(
      { found, by, from, to },
      { found: true, by: "remover@partner.onmicrosoft.com", from: withBudget.amount, to: null },
    );
    emulator.setBudget(withBudget.id, 300, "adder@partner.onmicrosoft.com");
    emulator.setBudget(withBudget.id, null, "x@partner.onmicrosoft.com");
    emulator.setBudget(withBudget.id, 350, "adder@partner.onmicrosoft.com");
    const markdown = await diff("markdown");
    assert.match(
      markdown.stdout,
      /^### Budget drift\n\n1 of 8 budgets drifted\n\n\| customer \| declared \| Partner Center has \| changed by \| when \| from → to \|/,
    );
    assert.match(
      markdown.stdout,
      new RegExp(
        `\\| \`${withBudget.id}\` \\| ${withBudget.amount} \\| 350 \\| \`adder@partner.onmicrosoft.com\` \\| \`\\S+\` \\| no budget → 350 \\|`,
      ),
    );
  });
});
