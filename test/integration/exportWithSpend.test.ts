/** Issue 24, part 4: `export --with-spend` writes each customer's month-to-date spend as a YAML comment beside its amount, never read back as data. */
import { strict as assert } from "node:assert";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CustomerRecord, PartnerCenterEmulator } from "pulumi-partnercenter/emulator";
import { parseBudgetsText } from "../../provider/gitops/budgetsFile";
import { cli, withEmulatorAndDirectory } from "../support/cli";

const USAGE_RECORDS = "/v1/customers/usagerecords";
const id = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
/** A customer onboarded once the usage records were read: the listing does not name it. */
const LATE: CustomerRecord = {
  id: id(9),
  companyName: "Late Co",
  domain: "late.example",
  amount: 20,
  relationship: true,
  spend: 1,
  currency: "USD",
};
/** A budget, no budget, the legacy offer (currencyLocale), a zero budget, and a customer whose name and currency are hostile. */
const CUSTOMERS: CustomerRecord[] = [
  {
    id: id(1),
    companyName: "Contoso",
    domain: "a.example",
    amount: 1000,
    relationship: true,
    spend: 812.4,
    currency: "EUR",
  },
  {
    id: id(2),
    companyName: "Fabrikam",
    domain: "b.example",
    amount: null,
    relationship: true,
    spend: 95.1,
    currency: "USD",
  },
  {
    id: id(3),
    companyName: "Northwind",
    domain: "c.example",
    amount: 250.5,
    relationship: true,
    spend: 301.25,
    currency: "GBP",
    legacyOffer: true,
  },
  { id: id(4), companyName: "Zero", domain: "d.example", amount: 0, relationship: true, spend: 3, currency: "USD" },
  {
    id: id(5),
    companyName: `Evil\n    amount: 1 # ha\n  - customerId: ${id(8)}\n    amount: 2`,
    domain: "e.example",
    amount: 5,
    relationship: true,
    spend: 4,
    currency: `EUR\n  - customerId: ${id(7)}\n    amount: 3 #`,
  },
];

/** Each amount line of a file, with what follows it. */
function amountLines(text: string): string[] {
  return text.split("\n").filter((line) => /^\s*amount:/.test(line));
}

/** The requests the emulator received, by path without the query. */
function paths(emulator: PartnerCenterEmulator): string[] {
  return emulator.requests.map((request) => request.path.split("?")[0]!);
}

describe("partnercenter-budgets export --with-spend (App+User with MFA)", function () {
  this.timeout(180_000);
  let dir: string;
  let emulator: PartnerCenterEmulator;
  let env: NodeJS.ProcessEnv;
  withEmulatorAndDirectory((fixture) => ({ dir, emulator, env } = fixture), {
    customers: CUSTOMERS,
    accessTokenIdentity: { user: true, mfa: true },
  });

  it("writes each customer's spend, currency and % of the budget beside its amount, from one usage-records listing; a customer it leaves out is 'unknown'", async () => {
    // Recorded once answered: the customer is onboarded between the spend listing and the customer list.
    emulator.onRequestCount(
      1,
      () => emulator.addCustomer(LATE),
      (request) => request.path.startsWith(USAGE_RECORDS),
    );
    const run = await cli(["export", "--with-spend"], env, dir);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      paths(emulator).filter((path) => path === USAGE_RECORDS),
      [USAGE_RECORDS],
      "one listing, not one request per customer",
    );
    assert.equal(paths(emulator)[0], USAGE_RECORDS, "spend is read first");
    assert.deepEqual(amountLines(run.stdout), [
      "    amount: 1000 # month-to-date spend 812.40 EUR, 81.2 % of the budget",
      "    amount: 5 # month-to-date spend 4.00 (currency unknown), 80.0 % of the budget",
      "    amount: null # month-to-date spend 95.10 USD; no budget",
      "    amount: 20 # month-to-date spend unknown: Partner Center's usage records do not list this customer",
      "    amount: 250.5 # month-to-date spend 301.25 GBP, 120.3 % of the budget",
      "    amount: 0 # month-to-date spend 3.00 USD; the budget is 0",
    ]);
    assert.match(
      run.stdout,
      /^# Beside each amount, "# month-to-date spend …".*\n# For review only: comments are never read as data/m,
    );
  });

  it("the file reads back as the entries of a plain export: comments are not data, and a hostile name or currency adds no entry", async () => {
    const withSpend = await cli(["export", "--with-spend", "-o", "spend.yaml"], env, dir);
    assert.equal(withSpend.code, 0, withSpend.stderr);
    const plain = await cli(["export", "-o", "plain.yaml"], env, dir);
    assert.equal(plain.code, 0, plain.stderr);
    const text = readFileSync(join(dir, "spend.yaml"), "utf8");
    const entries = parseBudgetsText(text, "spend.yaml");
    assert.deepEqual(entries, parseBudgetsText(readFileSync(join(dir, "plain.yaml"), "utf8"), "plain.yaml"));
    assert.deepEqual(
      entries.map((entry) => entry.customerId).sort(),
      CUSTOMERS.map((customer) => customer.id).sort(),
      "no customer the hostile name or currency spells out",
    );
    assert.equal(entries.find((entry) => entry.customerId === id(5))?.amount, 5);
    assert.equal(amountLines(text).length, CUSTOMERS.length, "one amount line per customer");
    for (const line of text.split("\n"))
      assert.match(
        line,
        /^(#.*|budgets:|  - customerId: [0-9a-f-]{36}|    name: .*|    amount: (\d+(\.\d+)?|null) # month-to-date spend [^\n]*|)$/,
        line,
      );
  });

  it("--update refreshes export's own spend comments and adds missing ones, never touching a reviewer's comment or a {…} entry", async () => {
    const reviewed = [
      "# Reviewed by finance.",
      "budgets:",
      `  - customerId: ${id(1)}`,
      "    amount: 1000      # agreed 2026-11",
      `  - customerId: ${id(2)}`,
      "    amount: null   # month-to-date spend 1.00 USD; no budget",
      `  - {customerId: ${id(3)}, amount: 250.5}`,
      `  - customerId: ${id(4)}`,
      "    amount: 0",
      "",
    ].join("\n");
    writeFileSync(join(dir, "budgets.yaml"), reviewed);
    emulator.setSpend(id(2), 120.5, "CHF");
    const run = await cli(["export", "--update", "budgets.yaml", "--with-spend"], env, dir);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stderr,
      /updated budgets.yaml: 0 amounts changed, 1 customer added, 0 no longer listed \(kept\); spend comments beside 3 amounts, none beside 1 amount with a reviewer's comment beside it, which was kept nor 1 entry written as \{…\}/,
    );
    const updated = readFileSync(join(dir, "budgets.yaml"), "utf8");
    const [kept, appended] = updated.split(`  - customerId: ${id(5)}\n`);
    const refreshed = reviewed
      .replace(
        "amount: null   # month-to-date spend 1.00 USD; no budget",
        "amount: null   # month-to-date spend 120.50 CHF; no budget",
      )
      .replace("    amount: 0\n", "    amount: 0 # month-to-date spend 3.00 USD; the budget is 0\n");
    assert.equal(
      kept,
      refreshed,
      "only export's own comment changed, a missing one was added; the reviewer's and the {…} entry are as they were",
    );
    assert.match(
      appended ?? "",
      /^ {4}name: .*\n {4}amount: 5 # month-to-date spend 4.00 \(currency unknown\), 80.0 % of the budget\n$/,
    );
    assert.deepEqual(
      parseBudgetsText(updated, "budgets.yaml").map((entry) => entry.customerId),
      [id(1), id(2), id(3), id(4), id(5)],
    );

    const again = await cli(["export", "--update", "budgets.yaml", "--with-spend"], env, dir);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /budgets.yaml is up to date/);
  });
});

describe("partnercenter-budgets export --with-spend refused before anything is written", function () {
  this.timeout(180_000);
  let dir: string;
  let emulator: PartnerCenterEmulator;
  let env: NodeJS.ProcessEnv;
  // The emulator's own token is app-only, which the usage records refuse, as Partner Center does.
  withEmulatorAndDirectory((fixture) => ({ dir, emulator, env } = fixture), { customers: CUSTOMERS });

  it("an app-only credential: report's one line, exit 2, only the listing requested, nothing written (file or standard output)", async () => {
    for (const args of [["-o", "budgets.yaml"], []]) {
      emulator.clearRequests();
      const run = await cli(["export", "--with-spend", ...args], env, dir);
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stdout, "");
      assert.equal(run.stderr.trimEnd().split("\n").length, 1, run.stderr);
      assert.match(
        run.stderr,
        /^partnercenter-budgets: export: spend needs an App\+User credential signed in with MFA; Partner Center refused this one \(HTTP 403, code 403\): set PARTNERCENTER_REFRESH_TOKEN/,
      );
      assert.deepEqual(paths(emulator), [USAGE_RECORDS], "no customer read once spend was refused");
      assert.deepEqual(readdirSync(dir), [], "nothing was written");
    }
  });

  it("JSON has no comments: --format json, an --output ending in .json or a JSON --update file is refused (exit 3) before any request", async () => {
    writeFileSync(join(dir, "reviewed.json"), `{"budgets": [{"customerId": "${id(1)}", "amount": 1000}]}\n`);
    const cases: [string[], RegExp][] = [
      [
        ["--format", "json"],
        /--with-spend cannot be used with --format json: spend is written as YAML comments, and JSON has none/,
      ],
      [["-o", "budgets.json"], /--with-spend cannot be used with --output budgets.json \(a .json file\)/],
      [["--update", "reviewed.json"], /--with-spend cannot be used with --update reviewed.json: it is JSON/],
    ];
    for (const [args, message] of cases) {
      const run = await cli(["export", "--with-spend", ...args], env, dir);
      assert.equal(run.code, 3, run.stderr);
      assert.match(run.stderr, message);
    }
    assert.equal(emulator.requests.length, 0, "the emulator saw no request");
    assert.deepEqual(readdirSync(dir), ["reviewed.json"]);
  });
});
