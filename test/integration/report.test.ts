/** Issue 24, item 3: `partnercenter-budgets report` through the built CLI against the emulator (App+User with MFA, app-only and non-MFA refusals). */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PartnerCenterEmulator, type CustomerRecord } from "pulumi-partnercenter/emulator";
import { cli } from "../support/cli";

const USAGE_RECORDS = "/v1/customers/usagerecords";

const id = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
/** One customer per mark, a legacy-offer one (currencyLocale), and hostile names. */
const CUSTOMERS: CustomerRecord[] = [
  {
    id: id(1),
    companyName: "Over | Ltd\n::add-mask::x",
    domain: "a.example",
    amount: 100,
    relationship: true,
    spend: 250,
    currency: "EUR",
  },
  {
    id: id(2),
    companyName: "Near `Co` <img src=x>",
    domain: "b.example",
    amount: 1000,
    relationship: true,
    spend: 850,
    currency: "USD",
  },
  {
    id: id(3),
    companyName: "No budget ##vso[task.setvariable]",
    domain: "c.example",
    amount: null,
    relationship: true,
    spend: 40,
    currency: "USD",
  },
  {
    id: id(4),
    companyName: "Legacy Plc",
    domain: "d.example",
    amount: 200,
    relationship: true,
    spend: 201,
    currency: "GBP",
    legacyOffer: true,
  },
  {
    id: id(5),
    companyName: "Calm Inc",
    domain: "e.example",
    amount: 500,
    relationship: true,
    spend: 10,
    currency: "USD",
  },
];

describe("partnercenter-budgets report", function () {
  this.timeout(180_000);
  let dir: string;
  let emulator: PartnerCenterEmulator | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "pc-report-"));
  });
  afterEach(async () => {
    await emulator?.stop();
    emulator = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(identity: { user: boolean; mfa: boolean }): Promise<NodeJS.ProcessEnv> {
    emulator = await PartnerCenterEmulator.start({
      customers: CUSTOMERS,
      defaultPageSize: 2,
      accessTokenIdentity: identity,
    });
    return { PARTNERCENTER_ENDPOINT: emulator.endpoint, PARTNERCENTER_ACCESS_TOKEN: emulator.accessToken };
  }

  it("marks and counts no budget, over 80 % and over 100 % (legacy currencyLocale included) from one read of every page", async () => {
    const env = await start({ user: true, mfa: true });
    const text = await cli(["report"], env, dir);
    assert.equal(text.code, 0, text.stderr);
    assert.deepEqual(
      emulator?.requests.map((request) => request.path.split("?")[0]),
      [USAGE_RECORDS, USAGE_RECORDS, USAGE_RECORDS],
      "3 pages of 2, one read, nothing else",
    );
    const lines = text.stdout.trimEnd().split("\n");
    assert.equal(lines.length, 6);
    assert.match(
      lines[0] ?? "",
      new RegExp(`^!! ${id(1)} \\(Over \\| Ltd ::add-mask::x\\): spent 250.00 EUR of 100.00 \\(250.0%\\) — over 100%$`),
    );
    assert.match(
      lines[1] ?? "",
      new RegExp(`^!! ${id(4)} \\(Legacy Plc\\): spent 201.00 GBP of 200.00 \\(100.5%\\) — over 100%$`),
    );
    assert.match(lines[2] ?? "", /^! {2}.*Near .*spent 850.00 USD of 1000.00 \(85.0%\) — over 80%$/);
    assert.match(text.stdout, new RegExp(`^ {3}${id(5)} \\(Calm Inc\\): spent 10.00 USD of 500.00 \\(2.0%\\)$`, "m"));
    assert.match(text.stdout, new RegExp(`^- {2}${id(3)} .*spent 40.00 USD, no budget$`, "m"));
    assert.equal(lines[5], "5 customers: 2 over 100%, 1 over 80%, 1 without a budget");
    assert.doesNotMatch(text.stdout, /^\s*::/m, "no line can be a workflow command");
    assert.doesNotMatch(text.stdout, /##vso\[/, "no Azure Pipelines logging command");

    const json = await cli(["report", "-f", "json"], env, dir);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as {
      customers: number;
      noBudget: number;
      over80: number;
      over100: number;
      rows: {
        customerId: string;
        budget: number | null;
        spend: number;
        currency: string;
        percentUsed?: number;
        mark: string | null;
      }[];
    };
    assert.deepEqual(
      { customers: parsed.customers, noBudget: parsed.noBudget, over80: parsed.over80, over100: parsed.over100 },
      { customers: 5, noBudget: 1, over80: 1, over100: 2 },
    );
    const { name: _name, ...noBudget } = parsed.rows.find((row) => row.customerId === id(3)) as { name?: string };
    assert.deepEqual(
      noBudget,
      { customerId: id(3), budget: null, spend: 40, currency: "USD", mark: "no budget" },
      "no percentUsed without a budget",
    );
    assert.deepEqual(
      parsed.rows.find((row) => row.customerId === id(4)),
      {
        customerId: id(4),
        name: "Legacy Plc",
        budget: 200,
        spend: 201,
        currency: "GBP",
        percentUsed: 100.5,
        mark: "over 100%",
      },
    );
  });

  it("Markdown is one table whatever the names hold, every outside string in a code span", async () => {
    const env = await start({ user: true, mfa: true });
    const markdown = await cli(["report", "-f", "markdown"], env, dir);
    assert.equal(markdown.code, 0, markdown.stderr);
    const lines = markdown.stdout.trimEnd().split("\n");
    assert.deepEqual(lines.slice(0, 4), [
      "### Month-to-date spend against budgets",
      "",
      "5 customers: 2 over 100%, 1 over 80%, 1 without a budget",
      "",
    ]);
    const rows = lines.slice(4);
    assert.equal(
      rows.length,
      2 + CUSTOMERS.length,
      "a header, a rule and one row per customer: nothing broke the table",
    );
    for (const row of rows) assert.equal(row.replace(/\\\|/g, "").split("|").length, 8, `six cells: ${row}`);
    assert.ok(
      markdown.stdout.includes("`Over \\| Ltd ::add-mask::x`"),
      "a pipe in a name is escaped inside its code span",
    );
    assert.ok(
      markdown.stdout.includes("``Near `Co` <img src=x>``"),
      "backticks in a name get a longer fence; HTML stays code",
    );
  });

  it("--fail-over P exits 1 when a customer used more than P %, 0 otherwise", async () => {
    const env = await start({ user: true, mfa: true });
    assert.equal((await cli(["report", "--fail-over", "100"], env, dir)).code, 1);
    assert.equal((await cli(["report", "--fail-over", "300"], env, dir)).code, 0);
    const bad = await cli(["report", "--fail-over", "lots"], env, dir);
    assert.equal(bad.code, 3, bad.stderr);
    assert.match(bad.stderr, /--fail-over.*give a percentage/);
  });

  it("an app-only credential: one line naming the App+User MFA setting, exit 2, no further request", async () => {
    const env = await start({ user: false, mfa: false });
    const run = await cli(["report"], env, dir);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stdout, "");
    assert.equal(run.stderr.trimEnd().split("\n").length, 1, run.stderr);
    assert.match(
      run.stderr,
      /spend needs an App\+User credential signed in with MFA; Partner Center refused this one \(HTTP 403, code 403\): set PARTNERCENTER_REFRESH_TOKEN/,
    );
    assert.equal(emulator?.requests.length, 1);
  });

  it("an App+User token without MFA: one line saying MFA is needed, exit 2", async () => {
    const env = await start({ user: true, mfa: false });
    const run = await cli(["report"], env, dir);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr.trimEnd().split("\n").length, 1, run.stderr);
    assert.match(run.stderr, /needs an App\+User token from a sign-in with MFA \(code 900421\)/);
    assert.equal(emulator?.requests.length, 1);
  });
});
