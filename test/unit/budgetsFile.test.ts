import { strict as assert } from "node:assert";
import { formatBudgetsFile, parseBudgetsText, type BudgetEntry } from "../../provider/gitops/budgetsFile";
import { MAX_AMOUNT } from "../../provider/budget/inputs";
import { BudgetsFileError } from "../../provider/shared/errors";

const A = "0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10";
const B = "3f9d2b8e-7a41-4c0d-8e6f-1b2a3c4d5e6f";

function problemsOf(text: string, source = "budgets.yaml"): string[] {
  try {
    parseBudgetsText(text, source);
  } catch (error) {
    assert.ok(error instanceof BudgetsFileError);
    return error.problems;
  }
  assert.fail("no error");
}

describe("budgets files", () => {
  it("reads a YAML mapping with a budgets list, normalising ids and keeping labels", () => {
    const entries = parseBudgetsText(
      `budgets:\n  - customerId: ${A.toUpperCase()}\n    name: Contoso\n    amount: 1200\n  - customerId: ${B}\n    amount: null\n    onDelete: clear\n`,
      "budgets.yaml",
    );
    assert.deepEqual(entries, [
      { customerId: A, name: "Contoso", amount: 1200 },
      { customerId: B, amount: null, onDelete: "clear" },
    ]);
  });

  it("reads a bare list and JSON alike", () => {
    assert.deepEqual(parseBudgetsText(`- customerId: ${A}\n  amount: 5\n`, "x.yaml"), [{ customerId: A, amount: 5 }]);
    assert.deepEqual(parseBudgetsText(JSON.stringify({ budgets: [{ customerId: A, amount: 5.5 }] }), "x.json"), [
      { customerId: A, amount: 5.5 },
    ]);
  });

  it("names the file, the line and the entry of every problem", () => {
    const problems = problemsOf(
      `budgets:\n  - customerId: ${A}\n    amount: 10\n  - customerId: nope\n    amount: -5\n  - customerId: ${B}\n    amout: 7\n`,
    );
    assert.deepEqual(problems, [
      'budgets.yaml line 4, entry 2 (customer nope): customerId "nope" is not a GUID: use the customer\'s tenant id as Partner Center shows it, e.g. 0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10, with no spaces or braces',
      "budgets.yaml line 4, entry 2 (customer nope): amount -5 is negative: use 0 or more, or null for no budget",
      `budgets.yaml line 6, entry 3 (customer ${B}): amount is required: set a number of 0 or more, or null for no budget`,
      `budgets.yaml line 6, entry 3 (customer ${B}): unknown key "amout": an entry has customerId, amount, name and onDelete`,
    ]);
  });

  it("rejects a customer declared twice, naming both entries", () => {
    const problems = problemsOf(
      `- customerId: ${A}\n  amount: 1\n- customerId: ${B}\n  amount: 2\n- customerId: ${A.toUpperCase()}\n  amount: 3\n`,
    );
    assert.deepEqual(problems, [
      `budgets.yaml line 5, entry 3 (customer ${A.toUpperCase()}): customer ${A} is declared twice (also budgets.yaml line 1, entry 1 (customer ${A})); keep one entry per customer`,
    ]);
  });

  it("reports YAML syntax errors with their line, and a file that is not a list", () => {
    assert.match(problemsOf(`budgets:\n  - customerId: ${A}\n    amount: [1\n`)[0]!, /^budgets.yaml line \d+: /);
    assert.match(problemsOf("hello: world\n")[0]!, /budgets.yaml: expected a list of budgets/);
    assert.match(problemsOf("")[0]!, /expected a list of budgets/);
  });

  it("writes files that read back to the same entries", () => {
    const entries = [
      { customerId: A, name: 'Contoso: "quoted"', amount: 1200.5 },
      { customerId: B, amount: null },
    ];
    for (const format of ["yaml", "json"] as const) {
      assert.deepEqual(parseBudgetsText(formatBudgetsFile(entries, format, ["header"]), `out.${format}`), entries);
    }
    assert.match(formatBudgetsFile(entries, "yaml", ["exported"]), /^# exported\nbudgets:\n/);
  });
});

describe("budgets files: YAML that reads differently from how it looks", () => {
  it("an empty `amount:` is refused (YAML reads it as null, 'no budget'); `amount: null` stays the way to remove a budget", () => {
    assert.deepEqual(problemsOf(`budgets:\n  - customerId: ${A}\n    amount:\n`), [
      `budgets.yaml line 3, column 5, entry 1 (customer ${A}): amount is empty; write \`amount: null\` to remove the customer's budget, or give a number`,
    ]);
    assert.deepEqual(parseBudgetsText(`budgets:\n  - customerId: ${A}\n    amount: null\n`, "b.yaml"), [
      { customerId: A, amount: null },
    ]);
  });

  it("aliases and merge keys are refused with their line, instead of a misleading message about the copied entry", () => {
    const problems = problemsOf(
      `budgets:\n  - &first\n    customerId: ${A}\n    amount: 5\n  - *first\n  - <<: *first\n    customerId: ${B}\n`,
    );
    assert.deepEqual(problems, [
      "budgets.yaml line 5: the YAML alias *first is not allowed in a budgets file: write each entry out in full",
      "budgets.yaml line 6: YAML merge keys (<<) are not allowed in a budgets file: write each entry out in full",
      "budgets.yaml line 6: the YAML alias *first is not allowed in a budgets file: write each entry out in full",
    ]);
  });
});

describe("budgets files: amounts are written as they are read", () => {
  const GIVE_A_NUMBER = "write a number of 0 or more in plain digits, such as 500, or null to remove the budget";
  /** The one problem of a {@link fileWith} file: its amount is on line 3, at `column`. */
  const amountProblem = (problem: string, column = 13) => [
    `budgets.yaml line 3, column ${column}, entry 1 (customer ${A}): ${problem}`,
  ];
  const fileWith = (written: string) => `budgets:\n  - customerId: ${A}\n    amount: ${written}\n`;

  it("reads `null` and plain decimals as written", () => {
    for (const [written, amount] of [
      ["null", null],
      ["0", 0],
      ["0.5", 0.5],
      ["10", 10],
      ["1200.50", 1200.5],
      ["999999999999.99", MAX_AMOUNT],
      ["5 # a comment", 5],
    ] as const) {
      assert.deepEqual(parseBudgetsText(fileWith(written), "budgets.yaml"), [{ customerId: A, amount }], written);
    }
  });

  it("refuses other spellings of null, and says how to remove a budget", () => {
    for (const written of ["~", "Null", "NULL"]) {
      assert.deepEqual(
        problemsOf(fileWith(written)),
        amountProblem(
          `amount ${written} is YAML for null, which removes the budget: write \`amount: null\` to remove the customer's budget, or give a number`,
        ),
      );
    }
  });

  it("refuses numbers YAML reads from other notations, naming what it reads and the plain decimal to write", () => {
    const cases: [written: string, reads: string, fix: string][] = [
      ["0x10", "16", "write it as 16"],
      ["0o12", "10", "write it as 10"],
      ["012", "12", "write it as 12"],
      [".5", "0.5", "write it as 0.5"],
      ["5.", "5", "write it as 5"],
      ["+50", "50", "write it as 50"],
      ["1e3", "1000", "write it as 1000"],
      ["-.5", "-0.5", "write it as -0.5"],
      [".inf", "Infinity", GIVE_A_NUMBER],
      [".nan", "NaN", GIVE_A_NUMBER],
    ];
    for (const [written, reads, fix] of cases) {
      assert.deepEqual(
        problemsOf(fileWith(written)),
        amountProblem(`amount ${written} is not a plain decimal number (YAML reads it as ${reads}): ${fix}`),
      );
    }
  });

  it("refuses text and booleans, quoted numbers included (a quoted amount is a string, not a number)", () => {
    assert.deepEqual(
      problemsOf(fileWith('"50"')),
      amountProblem('amount "50" is text, not a number (it is quoted): write it without quotes, as 50'),
    );
    assert.deepEqual(
      problemsOf(fileWith("'null'")),
      amountProblem('amount "null" is text, not a number (it is quoted): write it without quotes, as null'),
    );
    assert.deepEqual(
      problemsOf(fileWith('"fifty"')),
      amountProblem(`amount "fifty" is text, not a number (it is quoted): ${GIVE_A_NUMBER}`),
    );
    assert.deepEqual(
      problemsOf(fileWith("|\n      50")),
      amountProblem(`amount "50\\n" is text, not a number (it is a block scalar): write it plainly, as 50`),
    );
    assert.deepEqual(
      problemsOf(fileWith("1_000")),
      amountProblem(
        'amount 1_000 is not a number (YAML reads it as the text "1_000"): write it as 1000, without separators',
      ),
    );
    assert.deepEqual(
      problemsOf(fileWith("1,000")),
      amountProblem(`amount 1,000 is not a number (YAML reads it as the text "1,000"): ${GIVE_A_NUMBER}`),
    );
    assert.deepEqual(
      problemsOf(fileWith("true")),
      amountProblem(`amount true is not a number (YAML reads it as the boolean true): ${GIVE_A_NUMBER}`),
    );
    assert.deepEqual(
      problemsOf(fileWith("!!str 50")),
      amountProblem(
        `amount has the YAML tag !!str, which changes how it is read: remove the tag and ${GIVE_A_NUMBER}`,
        19,
      ),
    );
  });

  it("refuses -0 and digits a number cannot hold, which would be read as another amount than the one written", () => {
    assert.deepEqual(problemsOf(fileWith("-0")), amountProblem("amount -0 is zero with a minus sign: write it as 0"));
    assert.deepEqual(
      problemsOf(fileWith("5.0000000000000001")),
      amountProblem(
        "amount 5.0000000000000001 has more digits than a number holds exactly (it reads as 5): round it to cents",
      ),
    );
  });

  it("leaves range and cents to the amount rules, naming the entry", () => {
    assert.deepEqual(problemsOf(fileWith("-5")), [
      `budgets.yaml line 2, entry 1 (customer ${A}): amount -5 is negative: use 0 or more, or null for no budget`,
    ]);
    assert.deepEqual(problemsOf(fileWith("5.001")), [
      `budgets.yaml line 2, entry 1 (customer ${A}): amount 5.001 has more than two decimals: round it to cents`,
    ]);
    assert.deepEqual(problemsOf(fileWith("1000000000000000000000")), [
      `budgets.yaml line 2, entry 1 (customer ${A}): amount 1e+21 is larger than the maximum ${MAX_AMOUNT}: check for a typo`,
    ]);
  });

  it("judges the text, not YAML 1.1's reading of it: 012 is octal there, 1_000 a thousand and yes true", () => {
    const problems = problemsOf(
      `%YAML 1.1\n---\n- customerId: ${A}\n  amount: 012\n- customerId: ${B}\n  amount: 1_000\n- customerId: ${A}\n  amount: yes\n`,
    );
    assert.deepEqual(problems, [
      `budgets.yaml line 4, column 11, entry 1 (customer ${A}): amount 012 is not a plain decimal number (YAML reads it as 10): write it as 10`,
      `budgets.yaml line 6, column 11, entry 2 (customer ${B}): amount 1_000 is not a plain decimal number (YAML reads it as 1000): write it as 1000`,
      `budgets.yaml line 8, column 11, entry 3 (customer ${A}): amount yes is not a number (YAML reads it as the boolean true): ${GIVE_A_NUMBER}`,
      `budgets.yaml line 7, entry 3 (customer ${A}): customer ${A} is declared twice (also budgets.yaml line 3, entry 1 (customer ${A})); keep one entry per customer`,
    ]);
  });

  it("lists every problem of a file in one error, in the file's order, amounts among the others", () => {
    const problems = problemsOf(
      `budgets:\n  - customerId: nope\n    amount: 0x10\n  - customerId: ${A}\n    amount: 10\n  - customerId: ${B}\n    amount: ~\n`,
    );
    assert.deepEqual(problems, [
      "budgets.yaml line 3, column 13, entry 1 (customer nope): amount 0x10 is not a plain decimal number (YAML reads it as 16): write it as 16",
      'budgets.yaml line 2, entry 1 (customer nope): customerId "nope" is not a GUID: use the customer\'s tenant id as Partner Center shows it, e.g. 0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10, with no spaces or braces',
      `budgets.yaml line 7, column 13, entry 3 (customer ${B}): amount ~ is YAML for null, which removes the budget: write \`amount: null\` to remove the customer's budget, or give a number`,
    ]);
  });

  it("applies the same rule to JSON, naming the line and column (a JSON file may be one line)", () => {
    const oneLine = `{"budgets": [{"customerId": "${A}", "amount": 1E3}, {"customerId": "${B}", "amount": "50"}, {"customerId": "${A}", "amount": -0}, {"customerId": "${B}", "amount": false}]}`;
    // Columns are 1-based: where each amount starts in the line.
    const column = (written: string) => oneLine.indexOf(`"amount": ${written}`) + '"amount": '.length + 1;
    assert.deepEqual(problemsOf(oneLine, "budgets.json"), [
      `budgets.json line 1, column ${column("1E3")}, entry 1 (customer ${A}): amount 1E3 is not a plain decimal number (YAML reads it as 1000): write it as 1000`,
      `budgets.json line 1, column ${column('"50"')}, entry 2 (customer ${B}): amount "50" is text, not a number (it is quoted): write it without quotes, as 50`,
      `budgets.json line 1, column ${column("-0")}, entry 3 (customer ${A}): amount -0 is zero with a minus sign: write it as 0`,
      `budgets.json line 1, entry 3 (customer ${A}): customer ${A} is declared twice (also budgets.json line 1, entry 1 (customer ${A})); keep one entry per customer`,
      `budgets.json line 1, column ${column("false")}, entry 4 (customer ${B}): amount false is not a number (YAML reads it as the boolean false): ${GIVE_A_NUMBER}`,
      `budgets.json line 1, entry 4 (customer ${B}): customer ${B} is declared twice (also budgets.json line 1, entry 2 (customer ${B})); keep one entry per customer`,
    ]);
    const indented = `{\n  "budgets": [\n    {\n      "customerId": "${A}",\n      "amount": 1.5e2\n    }\n  ]\n}\n`;
    assert.deepEqual(problemsOf(indented, "budgets.json"), [
      `budgets.json line 5, column 17, entry 1 (customer ${A}): amount 1.5e2 is not a plain decimal number (YAML reads it as 150): write it as 150`,
    ]);
    assert.deepEqual(
      parseBudgetsText(
        `{"budgets": [{"customerId": "${A}", "amount": null}, {"customerId": "${B}", "amount": 0.25}]}`,
        "budgets.json",
      ),
      [
        { customerId: A, amount: null },
        { customerId: B, amount: 0.25 },
      ],
    );
  });

  it("export writes amounts the rules accept: files read back to the same amounts (-0 as 0), removal as `amount: null`", () => {
    const amounts = [null, 0, -0, 0.01, 0.1, 10, 1200.5, 99999.99, MAX_AMOUNT];
    const entries: BudgetEntry[] = amounts.map((amount, index) => ({
      customerId: `${index.toString(16).padStart(8, "0")}${A.slice(8)}`,
      amount,
    }));
    const expected = entries.map((entry) => ({ ...entry, amount: entry.amount === null ? null : entry.amount + 0 }));
    for (const format of ["yaml", "json"] as const) {
      const text = formatBudgetsFile(entries, format);
      const back = parseBudgetsText(text, `out.${format}`);
      assert.deepEqual(back, expected, format);
      assert.match(text, format === "yaml" ? /^ {4}amount: null$/m : /^ {6}"amount": null,?$/m);
    }
  });
});
