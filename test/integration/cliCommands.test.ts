/** Issue 23, items 3 and 4: the CLI's help, typos, exit codes, early stop on a refused credential, and an export that never loses review work. */
import { strict as assert } from "node:assert";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EMULATOR_CA, EntraEmulator, generateCustomers, PartnerCenterEmulator } from "pulumi-partnercenter/emulator";
import { answerJson, budgetAnswer, budgetCustomerOf, collectionPage } from "../support/answers";
import { budgetsFile, cli, withEmulatorAndDirectory } from "../support/cli";
import { startLoopbackServer } from "../support/loopbackServer";

describe("partnercenter-budgets: help, typos and exit codes", function () {
  this.timeout(180_000);
  let dir: string;
  let emulator: PartnerCenterEmulator;
  let env: NodeJS.ProcessEnv;
  withEmulatorAndDirectory((fixture) => ({ dir, emulator, env } = fixture));

  it("--help for the program and for each command exits 0 and lists the flags and the exit codes", async () => {
    const cases: [string[], RegExp[]][] = [
      [
        ["--help"],
        [
          /Usage: partnercenter-budgets \[options\] \[command\]/,
          /export \[options\]/,
          /diff \[options\] <file>/,
          /PARTNERCENTER_ACCESS_TOKEN/,
        ],
      ],
      [
        ["export", "--help"],
        [
          /Usage: partnercenter-budgets export/,
          /-o, --output <file>/,
          /-u, --update <file>/,
          /--force/,
          /-f, --format <format>/,
          /--page-size <n>/,
          /--with-spend/,
        ],
      ],
      [
        ["diff", "--help"],
        [
          /Usage: partnercenter-budgets diff \[options\] <file>/,
          /-f, --format <format>.*"text", "json",\s+"markdown"/s,
        ],
      ],
      [["help", "diff"], [/Usage: partnercenter-budgets diff/]],
    ];
    for (const [args, patterns] of cases) {
      const run = await cli(args, env, dir);
      assert.equal(run.code, 0, `${args.join(" ")}: ${run.stderr}`);
      for (const pattern of patterns) assert.match(run.stdout, pattern, args.join(" "));
      for (const code of ["0  diff: no drift", "1  diff: drift", "2  could not check", "3  bad usage, setting or file"])
        assert.ok(run.stdout.includes(code), `${args.join(" ")} lists exit ${code}`);
    }
    assert.equal(emulator.requests.length, 0);
  });

  it("a mistyped option or command is named with the nearest right one, exits 3, and sends nothing", async () => {
    const option = await cli(["export", "--fromat", "json"], env, dir);
    assert.equal(option.code, 3, option.stderr);
    assert.match(option.stderr, /unknown option '--fromat'\n\(Did you mean --format\?\)/);
    const command = await cli(["dif", "budgets.yaml"], env, dir);
    assert.equal(command.code, 3, command.stderr);
    assert.match(command.stderr, /unknown command 'dif'\n\(Did you mean diff\?\)/);
    const choice = await cli(["diff", "budgets.yaml", "-f", "html"], env, dir);
    assert.equal(choice.code, 3, choice.stderr);
    assert.match(choice.stderr, /argument 'html' is invalid. Allowed choices are text, json, markdown/);
    const nothing = await cli([], env, dir);
    assert.equal(nothing.code, 3, "no command is a usage error, not success");
    assert.match(nothing.stderr, /Usage: partnercenter-budgets \[options\] \[command\]/);
    assert.equal(emulator.requests.length, 0);
  });

  it("exit 0 without drift, 1 on drift, 2 when a budget could not be read, 3 on a bad file; short flags work", async () => {
    const [contoso, fabrikam] = emulator.customers();
    writeFileSync(
      join(dir, "budgets.yaml"),
      `budgets:\n  - customerId: ${contoso!.id}\n    amount: ${contoso!.amount}\n  - customerId: ${fabrikam!.id}\n    amount: null\n`,
    );
    const clean = await cli(["diff", "budgets.yaml", "-f", "json"], env, dir);
    assert.equal(clean.code, 0, clean.stderr);
    assert.deepEqual((JSON.parse(clean.stdout) as { drifted: unknown[] }).drifted, []);

    emulator.setBudget(contoso!.id, 31337);
    const drift = await cli(["diff", "budgets.yaml"], env, dir);
    assert.equal(drift.code, 1, drift.stderr);
    assert.match(drift.stdout, /1 of 2 budgets drifted\n$/);

    emulator.removeCustomer(fabrikam!.id);
    const unreadable = await cli(["diff", "budgets.yaml"], env, dir);
    assert.equal(unreadable.code, 2, "a budget that could not be read is not a finished check, drift or not");
    assert.match(unreadable.stdout, /1 of 2 budgets drifted, 1 could not be read\n$/);

    writeFileSync(join(dir, "bad.yaml"), "budgets:\n  - customerId: nope\n    amount: 5\n");
    emulator.clearRequests();
    const bad = await cli(["diff", "bad.yaml"], env, dir);
    assert.equal(bad.code, 3, bad.stderr);
    assert.match(bad.stderr, /bad.yaml line 2, entry 1 \(customer nope\): customerId "nope" is not a GUID/);
    assert.equal(emulator.requests.length, 0, "nothing was requested");
  });

  it("export exits 2, not 3, when the customer list answers HTTP 5xx: Partner Center failed, the usage was right", async () => {
    emulator.faults.configure({ serverErrorRate: 1 });
    const run = await cli(["export", "-o", "budgets.yaml"], { ...env, PARTNERCENTER_MAX_RETRIES: "0" }, dir);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /Partner Center answered HTTP 50\d.* to GET customer list/);
    assert.deepEqual(readdirSync(dir), [], "nothing was written");
  });

  it("messages speak of what the CLI reads: environment variables, and the directory it was run in", async () => {
    const none = await cli(["export"], {}, dir);
    assert.equal(none.code, 3, none.stderr);
    assert.match(
      none.stderr,
      /No Partner Center credentials are configured: set environment variable PARTNERCENTER_ACCESS_TOKEN; or, with PARTNERCENTER_TENANT_ID and PARTNERCENTER_CLIENT_ID, one of PARTNERCENTER_CLIENT_SECRET/,
    );
    assert.doesNotMatch(none.stderr, /pulumi config|stack config|partnercenter:/);
    const conflict = await cli(
      ["export"],
      {
        AZURE_TENANT_ID: "contoso.onmicrosoft.com",
        ARM_TENANT_ID: "fabrikam.onmicrosoft.com",
        PARTNERCENTER_ACCESS_TOKEN: "t",
      },
      dir,
    );
    assert.equal(conflict.code, 3, conflict.stderr);
    assert.match(
      conflict.stderr,
      /Conflicting values for PARTNERCENTER_TENANT_ID: environment variables AZURE_TENANT_ID and ARM_TENANT_ID differ; unset one, or set PARTNERCENTER_TENANT_ID, which is read first/,
    );
    const missing = await cli(["diff", "missing.yaml"], env, dir);
    assert.equal(missing.code, 3, missing.stderr);
    assert.ok(
      missing.stderr.includes(`relative paths are taken from ${dir}, the directory partnercenter-budgets was run in`),
      missing.stderr,
    );
    assert.doesNotMatch(missing.stderr, /Pulumi/);
  });
});

describe("partnercenter-budgets: a failure that applies to every customer stops at once", function () {
  this.timeout(180_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "pc-cli-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("a token Partner Center refuses (401): diff of 2,000 customers stops after a handful of requests, with one line and exit 2", async () => {
    const customers = generateCustomers(2000);
    const emulator = await PartnerCenterEmulator.start({ customers });
    try {
      writeFileSync(
        join(dir, "budgets.yaml"),
        budgetsFile(
          customers.map((customer) => customer.id),
          5,
        ),
      );
      for (const format of ["text", "markdown"]) {
        emulator.clearRequests();
        const run = await cli(
          ["diff", "budgets.yaml", "-f", format],
          { PARTNERCENTER_ENDPOINT: emulator.endpoint, PARTNERCENTER_ACCESS_TOKEN: "revoked-token" },
          dir,
        );
        assert.equal(run.code, 2, run.stderr);
        assert.equal(run.stdout, "", "no report of 2,000 unreadable budgets");
        assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
        assert.match(
          run.stderr,
          /stopped: the credential was refused, which applies to every customer, so the other budgets were not requested: Partner Center answered HTTP 401/,
        );
        assert.ok(emulator.requests.length <= 3, `${emulator.requests.length} requests`);
      }
    } finally {
      await emulator.stop();
    }
  });

  it("a token revoked mid-run (401 after budgets were read) stops the reads still to come", async () => {
    const ids = generateCustomers(50).map((customer) => customer.id);
    const service = await startLoopbackServer((_req, res) => {
      if (service.received.length > 10)
        return answerJson(res, { code: 401, description: "The access token has expired." }, 401);
      answerJson(res, budgetAnswer(5));
    });
    try {
      writeFileSync(join(dir, "budgets.yaml"), budgetsFile(ids, 5));
      const run = await cli(
        ["diff", "budgets.yaml"],
        {
          PARTNERCENTER_ENDPOINT: service.origin,
          PARTNERCENTER_ACCESS_TOKEN: "token-revoked-at-the-eleventh",
          PARTNERCENTER_MAX_CONCURRENCY: "1",
        },
        dir,
      );
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stdout, "");
      assert.match(run.stderr, /stopped: the credential was refused, which applies to every customer/);
      assert.equal(service.received.length, 11, "ten budgets read, one refused, none after");
    } finally {
      await service.stop();
    }
  });

  it("a client secret Entra ID refuses: diff stops before any request to Partner Center, with one line and exit 2", async () => {
    const clientId = "5a0f1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b";
    const entra = await EntraEmulator.start({ apps: [{ clientId, secret: "the-right-secret" }] });
    const customers = generateCustomers(500);
    const emulator = await PartnerCenterEmulator.start({ customers, tokenVerifier: entra.tokenVerifier() });
    try {
      writeFileSync(join(dir, "ca.pem"), EMULATOR_CA);
      writeFileSync(
        join(dir, "budgets.yaml"),
        budgetsFile(
          customers.map((customer) => customer.id),
          5,
        ),
      );
      const env = {
        PARTNERCENTER_ENDPOINT: emulator.endpoint,
        AZURE_TENANT_ID: entra.tenantId,
        AZURE_CLIENT_ID: clientId,
        AZURE_AUTHORITY_HOST: entra.authority,
        PARTNERCENTER_CLIENT_SECRET: "a-rotated-secret",
        NODE_EXTRA_CA_CERTS: join(dir, "ca.pem"),
      };
      const run = await cli(["diff", "budgets.yaml"], env, dir);
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stdout, "");
      assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
      assert.match(run.stderr, /stopped: the credential was refused, which applies to every customer/);
      assert.equal(emulator.requests.length, 0, "no token, no request");
      assert.ok(entra.tokenRequests.length <= 3, `${entra.tokenRequests.length} token requests`);
    } finally {
      await emulator.stop();
      await entra.stop();
    }
  });

  it("403 with code 20002 is one customer's (no relationship): the first three customers' refusals do not stop the others", async () => {
    const customers = generateCustomers(200);
    const emulator = await PartnerCenterEmulator.start({ customers });
    try {
      for (const customer of customers.slice(0, 3)) emulator.setRelationship(customer.id, false);
      writeFileSync(
        join(dir, "budgets.yaml"),
        budgetsFile(
          customers.map((customer) => customer.id),
          5,
        ),
      );
      const run = await cli(
        ["diff", "budgets.yaml"],
        {
          PARTNERCENTER_ENDPOINT: emulator.endpoint,
          PARTNERCENTER_ACCESS_TOKEN: emulator.accessToken,
          PARTNERCENTER_MAX_CONCURRENCY: "8",
        },
        dir,
      );
      assert.equal(run.code, 2, run.stderr);
      assert.equal(
        emulator.requests.filter((request) => request.path.endsWith("/usagebudget")).length,
        200,
        "every budget was read",
      );
      assert.equal(run.stdout.match(/could not be read: Partner Center answered HTTP 403, code 20002/g)?.length, 3);
      assert.match(run.stdout, /budgets drifted, 3 could not be read\n$/);
    } finally {
      await emulator.stop();
    }
  });

  it("403 without 20002 on each of the first reads is the credential's and stops; after a budget was read, such a 403 is one customer's", async () => {
    const ids = generateCustomers(50).map((customer) => customer.id);
    let forbidden = (_id: string): boolean => true;
    const service = await startLoopbackServer((req, res) => {
      if (req.url?.startsWith("/v1/customers?")) {
        const items = ids.map((id) => ({ id, companyProfile: { companyName: `Company ${id.slice(-4)}` } }));
        return answerJson(res, collectionPage(items));
      }
      const id = budgetCustomerOf(req.url) ?? "";
      if (forbidden(id)) return answerJson(res, { code: 2001, description: "Access is denied." }, 403);
      answerJson(res, budgetAnswer(5));
    });
    try {
      writeFileSync(join(dir, "budgets.yaml"), budgetsFile(ids, 5));
      const env = {
        PARTNERCENTER_ENDPOINT: service.origin,
        PARTNERCENTER_ACCESS_TOKEN: "token-without-the-role",
        PARTNERCENTER_MAX_RETRIES: "0",
      };
      const stopped = await cli(["diff", "budgets.yaml"], env, dir);
      assert.equal(stopped.code, 2, stopped.stderr);
      assert.equal(stopped.stdout, "");
      assert.match(
        stopped.stderr,
        /stopped: the first 3 budget reads were all refused with HTTP 403 without code 20002 .*lacks the permission for every customer and the other budgets were not requested/,
      );
      assert.equal(service.received.length, 3);

      // export reads budgets the same way once the customer list is read: the list, then the first 3 budgets.
      service.received.length = 0;
      const exported = await cli(["export", "-o", "budgets-export.yaml"], env, dir);
      assert.equal(exported.code, 2, exported.stderr);
      assert.match(
        exported.stderr,
        /stopped: the first 3 budget reads were all refused with HTTP 403 without code 20002/,
      );
      assert.deepEqual(
        service.received.map((request) => request.path.endsWith("/usagebudget")),
        [false, true, true, true],
      );
      assert.deepEqual(readdirSync(dir), ["budgets.yaml"], "nothing was written");

      service.received.length = 0;
      forbidden = (id) => id !== ids[0];
      const perCustomer = await cli(["diff", "budgets.yaml"], { ...env, PARTNERCENTER_MAX_CONCURRENCY: "1" }, dir);
      assert.equal(perCustomer.code, 2, perCustomer.stderr);
      assert.equal(service.received.length, 50, "a budget read first: every 403 after it is one customer's");
      assert.match(perCustomer.stdout, /0 of 50 budgets drifted, 49 could not be read\n$/);
    } finally {
      await service.stop();
    }
  });
});

describe("partnercenter-budgets export: never loses review work", function () {
  this.timeout(180_000);
  let dir: string;
  let emulator: PartnerCenterEmulator;
  let env: NodeJS.ProcessEnv;
  withEmulatorAndDirectory((fixture) => ({ dir, emulator, env } = fixture));

  it("--output over an existing file refuses without --force (exit 3, nothing requested, the file unchanged), and replaces it with --force", async () => {
    const reviewed = "# reviewed\nbudgets: []\n";
    writeFileSync(join(dir, "budgets.yaml"), reviewed);
    const refused = await cli(["export", "-o", "budgets.yaml"], env, dir);
    assert.equal(refused.code, 3, refused.stderr);
    assert.match(
      refused.stderr,
      /--output budgets.yaml exists and would be replaced, losing its comments, names and onDelete choices.*use --update budgets.yaml .* or add --force to replace it/,
    );
    assert.equal(readFileSync(join(dir, "budgets.yaml"), "utf8"), reviewed);
    assert.equal(emulator.requests.length, 0, "refused before any request");

    const forced = await cli(["export", "-o", "budgets.yaml", "--force"], env, dir);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(readFileSync(join(dir, "budgets.yaml"), "utf8"), /name: Contoso Ltd/);
  });

  it("an --output that is a directory, or in a folder that does not exist, fails before anything is read", async () => {
    mkdirSync(join(dir, "budgets"));
    const directory = await cli(["export", "--output", "budgets"], env, dir);
    assert.equal(directory.code, 3, directory.stderr);
    assert.match(
      directory.stderr,
      /--output budgets is a directory; it resolves to .*; give the path of the budgets file to write, such as budgets\/budgets.yaml/,
    );
    const noFolder = await cli(["export", "--output", "nowhere/budgets.yaml"], env, dir);
    assert.equal(noFolder.code, 3, noFolder.stderr);
    assert.match(noFolder.stderr, /the folder nowhere does not exist/);
    assert.equal(emulator.requests.length, 0, "the emulator saw no request");
  });

  it("--update keeps a commented file byte for byte when nothing changed, and otherwise changes only amounts, appends new customers and keeps the gone ones", async () => {
    const [contoso, fabrikam, northwind] = emulator.customers();
    const gone = "11111111-2222-4333-8444-555555555555";
    // A reviewed file in a reviewer's style: comments everywhere, aligned trailing comments, a flow entry, quoting, onDelete.
    const reviewed = [
      "# Budgets, reviewed by the finance team.",
      "",
      "budgets:",
      "  # the big one",
      `  - customerId: ${contoso!.id}`,
      "    name: 'Contoso Ltd'     # renamed in the portal; keep our label",
      `    amount: ${contoso!.amount}              # agreed 2026-11`,
      "    onDelete: clear",
      "",
      `  - {customerId: ${fabrikam!.id}, name: Fabrikam, amount: null}`,
      `  - customerId: ${northwind!.id}`,
      `    amount: ${northwind!.amount}`,
      `  - customerId: ${gone}`,
      "    name: Gone Corp",
      "    amount: 5",
      "# end of list",
      "",
    ].join("\n");
    writeFileSync(join(dir, "budgets.yaml"), reviewed);
    emulator.removeCustomer(gone);
    const same = await cli(["export", "--update", "budgets.yaml"], env, dir);
    assert.equal(same.code, 0, same.stderr);
    assert.equal(readFileSync(join(dir, "budgets.yaml"), "utf8"), reviewed, "byte for byte the same");
    assert.match(same.stderr, /budgets.yaml is up to date/);
    assert.match(
      same.stderr,
      new RegExp(
        `customer ${gone} \\(Gone Corp\\) is in budgets.yaml but Partner Center no longer lists it; it was kept`,
      ),
    );

    emulator.setBudget(contoso!.id, 4321);
    emulator.setBudget(fabrikam!.id, 12.5);
    emulator.addCustomer({
      ...northwind!,
      id: "22222222-3333-4444-8555-666666666666",
      companyName: 'New Co: "quoted"',
      amount: 77,
    });
    const changed = await cli(["export", "-u", "budgets.yaml"], env, dir);
    assert.equal(changed.code, 0, changed.stderr);
    assert.match(
      changed.stderr,
      /updated budgets.yaml: 2 amounts changed, 1 customer added, 1 no longer listed \(kept\)/,
    );
    const expected = reviewed
      .replace(`amount: ${contoso!.amount}              # agreed`, "amount: 4321              # agreed")
      .replace(`name: Fabrikam, amount: null}`, "name: Fabrikam, amount: 12.5}")
      .replace(
        "    amount: 5\n# end of list",
        `    amount: 5\n  - customerId: 22222222-3333-4444-8555-666666666666\n    name: 'New Co: "quoted"'\n    amount: 77\n# end of list`,
      );
    assert.equal(readFileSync(join(dir, "budgets.yaml"), "utf8"), expected);
    assert.equal(
      (await cli(["diff", "budgets.yaml"], env, dir)).code,
      2,
      "the gone customer is kept, so diff cannot read it",
    );
  });

  it("--update does not overwrite edits made to the file while Partner Center was read (exit 2, the edit kept)", async () => {
    const [contoso] = emulator.customers();
    const id = contoso!.id;
    const reviewed = `budgets:\n  - customerId: ${id}\n    amount: 1\n`;
    const edited = `${reviewed}# a reviewer's note, written while export ran\n`;
    // The reviewer's edit lands when Partner Center is asked for the budget: after export read the file, before it writes.
    const service = await startLoopbackServer((req, res) => {
      if (req.url?.startsWith("/v1/customers?")) {
        return answerJson(res, collectionPage([{ id, companyProfile: { companyName: "Contoso" } }]));
      }
      writeFileSync(join(dir, "budgets.yaml"), edited);
      answerJson(res, budgetAnswer(2));
    });
    try {
      writeFileSync(join(dir, "budgets.yaml"), reviewed);
      const run = await cli(
        ["export", "--update", "budgets.yaml"],
        { PARTNERCENTER_ENDPOINT: service.origin, PARTNERCENTER_ACCESS_TOKEN: "t" },
        dir,
      );
      assert.equal(run.code, 2, run.stderr);
      assert.match(
        run.stderr,
        /budgets.yaml changed while export read Partner Center; it was not rewritten, so that no edit is lost/,
      );
      assert.equal(readFileSync(join(dir, "budgets.yaml"), "utf8"), edited);
    } finally {
      await service.stop();
    }
  });

  it("--update names a file that does not exist or breaks the file rules before anything is read (exit 3)", async () => {
    const missing = await cli(["export", "--update", "budgets.yaml"], env, dir);
    assert.equal(missing.code, 3, missing.stderr);
    assert.match(missing.stderr, /--update budgets.yaml: cannot be read \(ENOENT\).*use --output to create one/);
    writeFileSync(join(dir, "budgets.yaml"), "budgets:\n  - customerId: nope\n    amount: 5\n");
    const bad = await cli(["export", "--update", "budgets.yaml"], env, dir);
    assert.equal(bad.code, 3, bad.stderr);
    assert.match(bad.stderr, /budgets.yaml line 2, entry 1 \(customer nope\): customerId "nope" is not a GUID/);
    const both = await cli(["export", "--update", "budgets.yaml", "-o", "other.yaml"], env, dir);
    assert.equal(both.code, 3, both.stderr);
    assert.match(both.stderr, /option '-u, --update <file>' cannot be used with option '-o, --output <file>'/);
    assert.equal(emulator.requests.length, 0);
  });
});
