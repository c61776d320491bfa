/** Issue 21, part 3: `export` and `diff` work across the shards of a budgets file (`--shard`, `--customer-ids`), by UsageBudgetSet's rule. */
import { strict as assert } from "node:assert";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateCustomers, PartnerCenterEmulator, type RecordedRequest } from "pulumi-partnercenter/emulator";
import { parseBudgetsText, type BudgetEntry } from "../../provider/gitops/budgetsFile";
import { checkBudgetsSlice, shardOf, sliceEntries } from "../../provider/gitops/shards";
import { cli, withEmulatorAndDirectory } from "../support/cli";

const CUSTOMERS = generateCustomers(40);
/** The partner's customers at the start; the last ten are kept back, to be added. */
const LISTED = CUSTOMERS.slice(0, 30);
const COUNT = 3;

/** The customers whose budget was requested, sorted. */
function budgetsRequested(requests: readonly RecordedRequest[]): string[] {
  return requests.flatMap((request) => /^\/v1\/customers\/([^/?]+)\/usagebudget/.exec(request.path)?.[1] ?? []).sort();
}

function idsOf(entries: readonly BudgetEntry[]): string[] {
  return entries.map((entry) => entry.customerId).sort();
}

/** The entries of shard `index` of {@link COUNT}, by the rule UsageBudgetSet applies. */
function shard(entries: readonly BudgetEntry[], index: number): BudgetEntry[] {
  return sliceEntries(entries, checkBudgetsSlice({ shard: { index, count: COUNT } }, "test"));
}

/** The first customer of `customers` in shard `index`. */
function firstIn(customers: readonly { id: string }[], index: number): string {
  const found = customers.find((customer) => shardOf(customer.id, COUNT) === index);
  assert.ok(found, `a customer in shard ${index}`);
  return found.id;
}

describe("partnercenter-budgets --shard and --customer-ids", function () {
  this.timeout(180_000);
  let dir: string;
  let emulator: PartnerCenterEmulator;
  let env: NodeJS.ProcessEnv;
  withEmulatorAndDirectory((fixture) => ({ dir, emulator, env } = fixture), { customers: LISTED });

  /** Every customer's budget, exported whole to `file` (which the test then reads). */
  async function exportAll(file: string): Promise<BudgetEntry[]> {
    const run = await cli(["export", "-o", file], env, dir);
    assert.equal(run.code, 0, run.stderr);
    return parseBudgetsText(readFileSync(join(dir, file), "utf8"), file);
  }

  it("export: the three shards' files together are the whole export, no customer in two, each reading only its own budgets", async () => {
    const full = await exportAll("full.yaml");
    assert.equal(full.length, 30);
    const seen = new Set<string>();
    for (let index = 0; index < COUNT; index += 1) {
      emulator.clearRequests();
      const run = await cli(["export", "--shard", `${index}/${COUNT}`, "-o", `shard-${index}.yaml`], env, dir);
      assert.equal(run.code, 0, run.stderr);
      const text = readFileSync(join(dir, `shard-${index}.yaml`), "utf8");
      const entries = parseBudgetsText(text, `shard-${index}.yaml`);
      assert.ok(entries.length > 0 && entries.length < 30, `shard ${index} holds ${entries.length}`);
      assert.deepEqual(
        idsOf(entries),
        idsOf(shard(full, index)),
        `shard ${index} holds the customers UsageBudgetSet's shard holds`,
      );
      assert.deepEqual(budgetsRequested(emulator.requests), idsOf(entries), "only the shard's budgets were requested");
      for (const entry of entries) {
        assert.ok(!seen.has(entry.customerId), `${entry.customerId} is in two shards`);
        seen.add(entry.customerId);
      }
      assert.match(
        text,
        new RegExp(
          `^# ONLY shard ${index}/3 \\(--shard ${index}/3\\): ${entries.length} of the 30 customers Partner Center listed; not a whole budgets file\\.$`,
          "m",
        ),
      );
      assert.match(run.stderr, new RegExp(`export: ${entries.length} of the 30 customers are in shard ${index}/3\\n`));
      assert.match(
        run.stderr,
        new RegExp(
          `export: wrote ${entries.length} budgets \\(shard ${index}/3: ${entries.length} of the 30 customers\\) to shard-${index}.yaml\\n`,
        ),
      );
    }
    const union = [0, 1, 2].flatMap((index) =>
      parseBudgetsText(readFileSync(join(dir, `shard-${index}.yaml`), "utf8"), "shard"),
    );
    const byId = (a: BudgetEntry, b: BudgetEntry): number => a.customerId.localeCompare(b.customerId);
    assert.deepEqual(
      union.sort(byId),
      [...full].sort(byId),
      "the union of the shards is the whole export, amounts and names included",
    );

    // Two id ranges that meet split the customers the same way.
    const low = await cli(["export", "--customer-ids", "..8"], env, dir);
    const high = await cli(["export", "--customer-ids", "8.."], env, dir);
    assert.equal(low.code + high.code, 0, low.stderr + high.stderr);
    const halves = [low, high].map((run) => idsOf(parseBudgetsText(run.stdout, "stdout")));
    assert.ok(halves[0]!.every((id) => id < "8") && halves[1]!.every((id) => id >= "8"));
    assert.deepEqual([...halves[0]!, ...halves[1]!].sort(), idsOf(full));
  });

  it("export --update --shard changes only the shard's customers, keeps every other entry byte for byte and never calls it gone", async () => {
    await exportAll("budgets.yaml");
    const reviewed = readFileSync(join(dir, "budgets.yaml"), "utf8");
    const [inside, outside] = [firstIn(LISTED, 0), firstIn(LISTED, 1)];
    const removed = LISTED.find((customer) => shardOf(customer.id, COUNT) === 1 && customer.id !== outside)!.id;
    const [newInside, newOutside] = [firstIn(CUSTOMERS.slice(30), 0), firstIn(CUSTOMERS.slice(30), 1)];
    emulator.setBudget(inside, 4321);
    emulator.setBudget(outside, 8765);
    emulator.removeCustomer(removed);
    for (const id of [newInside, newOutside]) emulator.addCustomer(CUSTOMERS.find((customer) => customer.id === id)!);
    const before = parseBudgetsText(reviewed, "budgets.yaml");
    const others = before.filter((entry) => shardOf(entry.customerId, COUNT) !== 0);

    emulator.clearRequests();
    const run = await cli(["export", "--update", "budgets.yaml", "--shard", `0/${COUNT}`], env, dir);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stderr,
      new RegExp(
        `updated budgets.yaml: 1 amount changed, 1 customer added, 0 no longer listed \\(kept\\); ${others.length} customers of the file outside shard 0/3 left as they were\n`,
      ),
    );
    assert.doesNotMatch(
      run.stderr,
      /no longer lists/,
      "a customer outside the shard is not gone: it was not asked about",
    );
    assert.deepEqual(
      budgetsRequested(emulator.requests),
      idsOf(shard([...before, { customerId: newInside, amount: null }], 0)),
      "only the shard's budgets were requested",
    );
    // The file is the reviewed one with one amount rewritten and the shard's new customer appended; every entry outside
    // the shard (the drifted one, the removed one, the rest) is the same text as before.
    const was = before.find((entry) => entry.customerId === inside)!;
    const added = CUSTOMERS.find((customer) => customer.id === newInside)!;
    const expected =
      reviewed.replace(
        `customerId: ${inside}\n    name: ${was.name}\n    amount: ${was.amount}\n`,
        `customerId: ${inside}\n    name: ${was.name}\n    amount: 4321\n`,
      ) + `  - customerId: ${newInside}\n    name: ${added.companyName}\n    amount: ${added.amount}\n`;
    assert.notEqual(expected, reviewed);
    assert.equal(readFileSync(join(dir, "budgets.yaml"), "utf8"), expected);
    assert.ok(!expected.includes(newOutside), "another shard's new customer is left to that shard");

    // Its own shard's update names the removed customer, as a whole update would.
    const own = await cli(["export", "--update", "budgets.yaml", "--shard", `1/${COUNT}`], env, dir);
    assert.equal(own.code, 0, own.stderr);
    assert.match(
      own.stderr,
      new RegExp(
        `customer ${removed} \\(Customer \\d+\\) is in budgets.yaml but Partner Center no longer lists it; it was kept`,
      ),
    );
    assert.match(own.stderr, /1 amount changed, 1 customer added, 1 no longer listed \(kept\)/);
  });

  it("diff --shard finds drift only in its shard's customers, and requests only them", async () => {
    const full = await exportAll("budgets.yaml");
    const drifted = [firstIn(LISTED, 0), firstIn(LISTED, 2)];
    for (const id of drifted) emulator.setBudget(id, 999);
    for (let index = 0; index < COUNT; index += 1) {
      emulator.clearRequests();
      const run = await cli(["diff", "budgets.yaml", "--shard", `${index}/${COUNT}`, "-f", "json"], env, dir);
      const mine = idsOf(shard(full, index));
      const expected = drifted.filter((id) => mine.includes(id));
      assert.equal(run.code, expected.length > 0 ? 1 : 0, run.stderr);
      const report = JSON.parse(run.stdout) as {
        checked: number;
        slice: { shard: unknown; description: string; customersInFile: number };
        drifted: { customerId: string }[];
      };
      assert.deepEqual(
        report.drifted.map((drift) => drift.customerId),
        expected,
      );
      assert.equal(report.checked, mine.length);
      assert.deepEqual(report.slice, {
        shard: { index, count: COUNT },
        description: `shard ${index}/3`,
        customersInFile: 30,
      });
      assert.deepEqual(budgetsRequested(emulator.requests), mine, "only the shard's budgets were requested");
    }
    const text = await cli(["diff", "budgets.yaml", "--shard", `0/${COUNT}`], env, dir);
    assert.equal(text.code, 1, text.stderr);
    assert.match(
      text.stdout,
      new RegExp(
        `^~ ${drifted[0]} \\(Customer \\d+\\): declared .*, Partner Center has 999.*\nshard 0/3, ${shard(full, 0).length} of the file's 30 customers: 1 of ${shard(full, 0).length} budgets drifted\n$`,
      ),
    );
    const markdown = await cli(["diff", "budgets.yaml", "--customer-ids", "..8", "-f", "markdown"], env, dir);
    const low = full.filter((entry) => entry.customerId < "8");
    assert.equal(markdown.code, drifted.some((id) => id < "8") ? 1 : 0, markdown.stderr);
    assert.ok(
      markdown.stdout.includes(
        `customer ids ..8, ${low.length} of the file's 30 customers: ${drifted.filter((id) => id < "8").length} of ${low.length} budgets drifted`,
      ),
      markdown.stdout,
    );
  });

  it("a bad --shard or --customer-ids, or both, exits 3 naming the option and the fix, before any request", async () => {
    writeFileSync(join(dir, "budgets.yaml"), "budgets: []\n");
    const cases: [string[], RegExp][] = [
      [
        ["diff", "budgets.yaml", "--shard", "8/8"],
        /option '--shard <index\/count>' argument '8\/8' is invalid\. --shard: shard.index 8 is not a whole number from 0 to 7 \(shard.count is 8\)/,
      ],
      [
        ["diff", "budgets.yaml", "--shard", "x"],
        /--shard "x" is not <index>\/<count>: write e.g. --shard 0\/4 for the first of four shards/,
      ],
      [["export", "--shard", "0/0"], /--shard: shard.count 0 is not a whole number from 1 to 1024/],
      [
        ["export", "--customer-ids", "8..0"],
        /--customer-ids: customerIds.from "8" is not before customerIds.to "0", so the range is empty: swap them/,
      ],
      [
        ["diff", "budgets.yaml", "--shard", "0/3", "--customer-ids", "0..8"],
        /option '--shard <index\/count>' cannot be used with option '--customer-ids <from..to>'/,
      ],
      [
        ["export", "--customer-ids", "0..8", "--shard", "0/3"],
        /option '--shard <index\/count>' cannot be used with option '--customer-ids <from..to>'/,
      ],
      [
        ["export", "-o", "budgets.yaml", "--force", "--shard", "0/3"],
        /--force with --shard 0\/3 would replace budgets.yaml with only the slice's customers, dropping the others: use --update budgets.yaml/,
      ],
    ];
    for (const [args, message] of cases) {
      const run = await cli(args, env, dir);
      assert.equal(run.code, 3, `${args.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, message, args.join(" "));
    }
    assert.equal(readFileSync(join(dir, "budgets.yaml"), "utf8"), "budgets: []\n");
    assert.equal(emulator.requests.length, 0, "nothing was requested");

    // The help says what a slice means for each command.
    const help = await cli(["export", "--help"], env, dir);
    assert.match(help.stdout, /--shard <index\/count> +export only the customers in shard <index> of\s+<count>/);
    assert.match(help.stdout, /the file written holds only the slice's\s+customers: it is not a whole budgets file/);
    assert.match(
      (await cli(["diff", "--help"], env, dir)).stdout,
      /--customer-ids <from..to> +diff only the file's customers whose lowercase id\s+sorts/,
    );
  });
});
