import { strict as assert } from "node:assert";
import { BudgetsFileError, formatBudgetsFile, parseBudgetsText } from "../../provider/budgetsFile";

const A = "0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10";
const B = "3f9d2b8e-7a41-4c0d-8e6f-1b2a3c4d5e6f";

function problemsOf(text: string): string[] {
  try {
    parseBudgetsText(text, "budgets.yaml");
  } catch (error) {
    assert.ok(error instanceof BudgetsFileError);
    return error.problems;
  }
  assert.fail("no error");
}

describe("budgets files", () => {
  it("reads a YAML mapping with a budgets list, normalising ids and keeping labels", () => {
    const entries = parseBudgetsText(`budgets:\n  - customerId: ${A.toUpperCase()}\n    name: Contoso\n    amount: 1200\n  - customerId: ${B}\n    amount: null\n    onDelete: clear\n`, "budgets.yaml");
    assert.deepEqual(entries, [
      { customerId: A, name: "Contoso", amount: 1200 },
      { customerId: B, amount: null, onDelete: "clear" },
    ]);
  });

  it("reads a bare list and JSON alike", () => {
    assert.deepEqual(parseBudgetsText(`- customerId: ${A}\n  amount: 5\n`, "x.yaml"), [{ customerId: A, amount: 5 }]);
    assert.deepEqual(parseBudgetsText(JSON.stringify({ budgets: [{ customerId: A, amount: 5.5 }] }), "x.json"), [{ customerId: A, amount: 5.5 }]);
  });

  it("names the file, the line and the entry of every problem", () => {
    const problems = problemsOf(`budgets:\n  - customerId: ${A}\n    amount: 10\n  - customerId: nope\n    amount: -5\n  - customerId: ${B}\n    amout: 7\n`);
    assert.deepEqual(problems, [
      'budgets.yaml line 4, entry 2 (customer nope): customerId "nope" is not a GUID: use the customer\'s tenant id as Partner Center shows it, e.g. 0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10, with no spaces or braces',
      "budgets.yaml line 4, entry 2 (customer nope): amount -5 is negative: use 0 or more, or null for no budget",
      `budgets.yaml line 6, entry 3 (customer ${B}): amount is required: set a number of 0 or more, or null for no budget`,
      `budgets.yaml line 6, entry 3 (customer ${B}): unknown key "amout": an entry has customerId, amount, name and onDelete`,
    ]);
  });

  it("rejects a customer declared twice, naming both entries", () => {
    const problems = problemsOf(`- customerId: ${A}\n  amount: 1\n- customerId: ${B}\n  amount: 2\n- customerId: ${A.toUpperCase()}\n  amount: 3\n`);
    assert.deepEqual(problems, [`budgets.yaml line 5, entry 3 (customer ${A.toUpperCase()}): customer ${A} is declared twice (also budgets.yaml line 1, entry 1 (customer ${A})); keep one entry per customer`]);
  });

  it("reports YAML syntax errors with their line, and a file that is not a list", () => {
    assert.match(problemsOf(`budgets:\n  - customerId: ${A}\n    amount: [1\n`)[0]!, /^budgets.yaml line \d+: /);
    assert.match(problemsOf("hello: world\n")[0]!, /budgets.yaml: expected a list of budgets/);
    assert.match(problemsOf("")[0]!, /expected a list of budgets/);
  });

  it("writes files that read back to the same entries", () => {
    const entries = [{ customerId: A, name: "Contoso: \"quoted\"", amount: 1200.5 }, { customerId: B, amount: null }];
    for (const format of ["yaml", "json"] as const) {
      assert.deepEqual(parseBudgetsText(formatBudgetsFile(entries, format, ["header"]), `out.${format}`), entries);
    }
    assert.match(formatBudgetsFile(entries, "yaml", ["exported"]), /^# exported\nbudgets:\n/);
  });
});

describe("budgets files: YAML that reads differently from how it looks", () => {
  it("an empty `amount:` is refused (YAML reads it as null, 'no budget'); `amount: null` stays the way to remove a budget", () => {
    assert.deepEqual(problemsOf(`budgets:\n  - customerId: ${A}\n    amount:\n`), ["budgets.yaml line 3: amount is empty; write `amount: null` to remove the customer's budget, or give a number"]);
    assert.deepEqual(parseBudgetsText(`budgets:\n  - customerId: ${A}\n    amount: null\n`, "b.yaml"), [{ customerId: A, amount: null }]);
  });

  it("aliases and merge keys are refused with their line, instead of a misleading message about the copied entry", () => {
    const problems = problemsOf(`budgets:\n  - &first\n    customerId: ${A}\n    amount: 5\n  - *first\n  - <<: *first\n    customerId: ${B}\n`);
    assert.deepEqual(problems, [
      "budgets.yaml line 5: the YAML alias *first is not allowed in a budgets file: write each entry out in full",
      "budgets.yaml line 6: YAML merge keys (<<) are not allowed in a budgets file: write each entry out in full",
      "budgets.yaml line 6: the YAML alias *first is not allowed in a budgets file: write each entry out in full",
    ]);
  });
});
