/** Issue 22: whatever Partner Center or a gateway answers, no silent success, no hang, no injected output. */
import { strict as assert } from "node:assert";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { answerJson, budgetAnswer, collectionPage } from "../support/answers";
import { cli } from "../support/cli";
import { fastRetry, withLoopbackClient } from "../support/clientFactory";
import { FakeClock, flush } from "../support/fakeClock";
import { startLoopbackServer, type LoopbackServer } from "../support/loopbackServer";

const TOKEN = "hostile-answers-token-5c1d7e93a2";
const IDS = Array.from({ length: 7 }, (_, index) => `0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c${String(10 + index)}`);

describe("hostile answers: the command line never reports success for work it did not finish", () => {
  let dir: string;
  let service: LoopbackServer;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "pc-hostile-"));
    // The customer list answers; every budget request is refused with a Retry-After of twenty digits: more
    // milliseconds than a Date or a timer holds. One request at a time, so the others wait in the scheduler's queue
    // when the first 429 comes (before the fix, the scheduler threw after taking them out of it: the CLI exited 0).
    service = await startLoopbackServer((req, res) => {
      if (req.url?.startsWith("/v1/customers?"))
        return answerJson(
          res,
          collectionPage(
            IDS.slice(0, 3).map((id) => ({ id, companyProfile: { companyName: `Company ${id.slice(-2)}` } })),
          ),
        );
      answerJson(res, { statusCode: 429, message: "Rate limit is exceeded." }, 429, {
        "retry-after": "99999999999999999999",
      });
    });
  });
  afterEach(async () => {
    await service.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("diff: exits 2 (could not check) naming the pause past the deadline for every budget, and prints its summary", async () => {
    writeFileSync(
      join(dir, "budgets.yaml"),
      `budgets:\n${IDS.slice(0, 3)
        .map((id) => `  - customerId: ${id}\n    amount: 100\n`)
        .join("")}`,
    );
    const run = await cli(
      ["diff", "budgets.yaml"],
      { PARTNERCENTER_ENDPOINT: service.origin, PARTNERCENTER_ACCESS_TOKEN: TOKEN, PARTNERCENTER_MAX_CONCURRENCY: "1" },
      dir,
    );
    assert.equal(run.code, 2, run.stderr);
    assert.equal(
      run.stdout.match(
        /could not be read: Partner Center.*(Retry-After asks for 86400 s|rate limit holds requests until .*), past (the|this) operation's deadline/g,
      )?.length,
      3,
      run.stdout,
    );
    assert.match(run.stdout, /0 of 3 budgets drifted, 3 could not be read\n$/);
  });

  it("export: exits 2 (could not check) and writes nothing, on standard output or to a file", async () => {
    const toStdout = await cli(
      ["export"],
      { PARTNERCENTER_ENDPOINT: service.origin, PARTNERCENTER_ACCESS_TOKEN: TOKEN, PARTNERCENTER_MAX_CONCURRENCY: "1" },
      dir,
    );
    assert.equal(toStdout.code, 2, toStdout.stderr);
    assert.equal(toStdout.stdout, "");
    assert.match(toStdout.stderr, /3 of 3 customers could not be exported; nothing was written/);
    const toFile = await cli(
      ["export", "--output", "budgets.yaml"],
      { PARTNERCENTER_ENDPOINT: service.origin, PARTNERCENTER_ACCESS_TOKEN: TOKEN, PARTNERCENTER_MAX_CONCURRENCY: "1" },
      dir,
    );
    assert.equal(toFile.code, 2, toFile.stderr);
    assert.deepEqual(readdirSync(dir), []);
  });
});

describe("hostile answers: Retry-After: 0 does not spend the partner's quota", () => {
  it("20 operations refused with Retry-After: 0 send a bounded number of requests before their deadline, not a thousand each", async () => {
    const service = await startLoopbackServer((_req, res) =>
      answerJson(res, { statusCode: 429, message: "Rate limit is exceeded." }, 429, { "retry-after": "0" }),
    );
    const clock = new FakeClock(Date.now());
    await withLoopbackClient(service, TOKEN, { clock, operationTimeoutMs: 10_000 }, async (client) => {
      let settled = 0;
      const operations = IDS.concat(IDS, IDS)
        .slice(0, 20)
        .map((id) =>
          client.getBudget(id, client.startOperation()).then(
            () => assert.fail("refused"),
            () => void (settled += 1),
          ),
        );
      for (let step = 0; step < 200 && settled < operations.length; step++) {
        await new Promise((next) => setImmediate(next));
        await clock.advance(100);
      }
      await Promise.all(operations);
      await flush();
      // 250 + 500 + 1,000 + 2,000 + 4,000 ms of least pauses fit in the 10 s deadline: about six rounds of 20.
      assert.ok(service.received.length <= 20 * 7, `${service.received.length} requests`);
    });
  });
});

describe("hostile answers: a secret is redacted before text is cut", () => {
  it("a token that an answer echoes across the 200-character cut is not shown, not even its first characters", async () => {
    const service = await startLoopbackServer((req, res) =>
      answerJson(res, [`${"x".repeat(170)}${req.headers.authorization ?? ""}`], 400),
    );
    await withLoopbackClient(service, TOKEN, { retry: fastRetry(0) }, (client) =>
      assert.rejects(client.getBudget(IDS[0]!, client.startOperation()), (error: Error) => {
        assert.ok(!error.message.includes(TOKEN.slice(0, 6)), error.message);
        assert.match(error.message, /\[secret\]/);
        return true;
      }),
    );
  });
});

describe("hostile answers: activity-log text in diff's output", () => {
  const names = [
    "evil\r### No budget drift\n<!--",
    "[click here](https://evil.example/phish) ![x](https://evil.example/x.png) <img src=x onerror=alert(1)>",
    "\u001b]8;;https://evil.example\u0007link\u001b]8;;\u0007 \u001b[2J\u001b[31mred",
    "::add-mask::visible\n::stop-commands::token\n::set-output name=x::y",
    `huge-${"\u001b".repeat(10)}${"a".repeat(1_000_000)}`,
    "pipe | in | name `with` ``backticks``",
    "jane.doe@partner.onmicrosoft.com\u2028::warning::x ##vso[task.setvariable variable=ARM_CLIENT_ID]evil ##vso[task.complete result=Succeeded;]",
  ];
  let dir: string;
  let service: LoopbackServer;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "pc-hostile-"));
    writeFileSync(
      join(dir, "budgets.yaml"),
      `budgets:\n${IDS.map((id, index) => `  - customerId: ${id}\n    name: "Company ${index}"\n    amount: 100\n`).join("")}`,
    );
    service = await startLoopbackServer((req, res) => {
      if (req.url?.startsWith("/v1/auditrecords")) {
        const items = IDS.map((id, index) => ({
          customerId: id,
          userPrincipalName: names[index],
          resourceOldValue: JSON.stringify({ amount: 100 }),
          resourceNewValue: JSON.stringify({ amount: 250 }),
          operationType: "update_customer_spending_budget",
          operationDate: "2026-11-30T10:00:00Z",
          operationStatus: "succeeded",
        }));
        return answerJson(res, collectionPage(items));
      }
      answerJson(res, budgetAnswer(250));
    });
  });
  after(async () => {
    await service.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const env = (): NodeJS.ProcessEnv => ({ PARTNERCENTER_ENDPOINT: service.origin, PARTNERCENTER_ACCESS_TOKEN: TOKEN });

  it("Markdown: one heading, one table row per drift, and every outside field inside a code span (no link, image, HTML or comment)", async () => {
    const run = await cli(["diff", "budgets.yaml", "--format", "markdown"], env(), dir);
    assert.equal(run.code, 1, run.stderr);
    assert.ok(!/[\r\u2028\u2029\u001b\u0007]/.test(run.stdout), "no control character");
    const lines = run.stdout.split("\n");
    assert.deepEqual(
      lines.filter((line) => line.startsWith("#")),
      ["### Budget drift"],
    );
    const rows = lines.filter((line) => line.startsWith("|"));
    assert.equal(rows.length, 2 + IDS.length, "header, rule and one row per drift: nothing hidden");
    for (const row of rows) assert.equal(row.split(/(?<!\\)\|/).length, 8, `six cells: ${row.slice(0, 200)}`);
    const outsideCode = run.stdout.replace(/(`+)(?!`)([\s\S]*?[^`])\1(?!`)/g, "");
    assert.ok(!/[<[\]]|https?:/.test(outsideCode), `nothing from outside is rendered: ${outsideCode.slice(0, 400)}`);
    assert.ok(Math.max(...lines.map((line) => line.length)) < 2_000, "a huge field is cut");
  });

  it("text: no terminal escape and no line a CI runner would take for a workflow command", async () => {
    const run = await cli(["diff", "budgets.yaml"], env(), dir);
    assert.equal(run.code, 1, run.stderr);
    assert.ok(!/[\r\u2028\u2029\u001b\u0007]/.test(run.stdout), "no control character");
    assert.deepEqual(
      run.stdout.split("\n").filter((line) => /^\s*::/.test(line)),
      [],
    );
    assert.equal(run.stdout.split("\n").filter((line) => line.startsWith("~ ")).length, IDS.length);
    assert.ok(Math.max(...run.stdout.split("\n").map((line) => line.length)) < 2_000);
    assert.match(run.stdout, /changed by ::add-mask::visible ::stop-commands::token/);
    assert.ok(!/##vso\[/i.test(run.stdout), "no Azure Pipelines logging command anywhere in a line");
    assert.match(run.stdout, /# #vso\[task.setvariable variable=ARM_CLIENT_ID\]evil/);
  });
});

describe("hostile answers: ids in the customer list", () => {
  it("export checks every listed id before any request: '.', '..', '../x' are never requested, and every customer is counted", async () => {
    const odd = [".", "..", "../x", "..%2fx", IDS[1]!.replace(/-/g, "")];
    const service = await startLoopbackServer((req, res) => {
      if (req.url?.startsWith("/v1/customers?"))
        return answerJson(
          res,
          collectionPage([IDS[0], ...odd].map((id) => ({ id, companyProfile: { companyName: "Odd" } }))),
        );
      answerJson(res, budgetAnswer(10));
    });
    const dir = mkdtempSync(join(tmpdir(), "pc-hostile-"));
    try {
      const run = await cli(
        ["export"],
        { PARTNERCENTER_ENDPOINT: service.origin, PARTNERCENTER_ACCESS_TOKEN: TOKEN },
        dir,
      );
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stdout, "");
      assert.deepEqual(
        service.received.map((request) => request.path.split("?")[0]),
        ["/v1/customers", `/v1/customers/${IDS[0]}/usagebudget`],
      );
      assert.equal(
        run.stderr.match(/listed a customer id that is not a GUID .*its budget was not requested/g)?.length,
        odd.length,
        run.stderr,
      );
      assert.match(run.stderr, /export: 5 of 6 customers could not be exported; nothing was written/);
    } finally {
      await service.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("hostile answers: text from outside on the CLI's other paths (review of issue 22)", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "pc-hostile-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("export to standard output is the same valid budgets file as --output, whatever the company names hold (a long name with '::' or NBSP)", async () => {
    const names = [`Fabrikam ::stop-commands::${"B".repeat(100)}`, `Contoso \u00a0::add-mask::${"A".repeat(100)}`];
    const service = await startLoopbackServer((req, res) => {
      if (req.url?.startsWith("/v1/customers?"))
        return answerJson(
          res,
          collectionPage(IDS.slice(0, 2).map((id, index) => ({ id, companyProfile: { companyName: names[index] } }))),
        );
      answerJson(res, budgetAnswer(10));
    });
    try {
      const env = { PARTNERCENTER_ENDPOINT: service.origin, PARTNERCENTER_ACCESS_TOKEN: TOKEN };
      const run = await cli(["export"], env, dir);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(
        run.stdout.split("\n").filter((line) => /^[\s\u0085]*::/.test(line) || line.startsWith(">")),
        [],
        "no line starts with a command or was altered by a guard",
      );
      writeFileSync(join(dir, "budgets.yaml"), run.stdout);
      const check = await cli(["diff", "budgets.yaml"], env, dir);
      assert.equal(check.code, 0, `the exported file reads back and shows no drift: ${check.stderr}${check.stdout}`);
      await cli(["export", "--output", "file.yaml"], env, dir);
      const fromFile = readFileSync(join(dir, "file.yaml"), "utf8").replace(/^# .*\n/gm, "");
      assert.equal(run.stdout.replace(/^# .*\n/gm, ""), fromFile, "standard output and --output give the same budgets");
    } finally {
      await service.stop();
    }
  });

  it("an error's code and request id from the answer, and a customer id in a budgets file, reach the terminal without escapes or commands", async () => {
    const service = await startLoopbackServer((_req, res) =>
      answerJson(
        res,
        {
          code: "\u001b[2J\u001b]8;;http://evil\u0007X\n::add-mask::abc\n\u00a0::stop-commands::zz",
          description: "bad",
        },
        400,
        { "ms-requestid": "req\u009b31mRED" },
      ),
    );
    try {
      const env = {
        PARTNERCENTER_ENDPOINT: service.origin,
        PARTNERCENTER_ACCESS_TOKEN: TOKEN,
        PARTNERCENTER_MAX_RETRIES: "0",
      };
      const run = await cli(["export"], env, dir);
      assert.notEqual(run.code, 0);
      writeFileSync(
        join(dir, "bad.yaml"),
        `budgets:\n  - customerId: "x\\e]8;;http://evil\\a click\\n\\u00a0::add-mask::abc"\n    amount: 1\n`,
      );
      const bad = await cli(["diff", "bad.yaml"], env, dir);
      assert.equal(bad.code, 3, bad.stderr);
      for (const output of [run.stderr, bad.stderr]) {
        assert.ok(
          !/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/.test(output),
          `no control character but line breaks: ${JSON.stringify(output.slice(0, 300))}`,
        );
        assert.deepEqual(
          output.split("\n").filter((line) => /^[\s\u0085]*::/.test(line)),
          [],
        );
      }
    } finally {
      await service.stop();
    }
  });
});
