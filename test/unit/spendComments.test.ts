/** `export --with-spend`'s comments: what they say, that they stay one line, and how `--update` places them. */
import { strict as assert } from "node:assert";
import { formatBudgetsFile, parseBudgetsText, type BudgetEntry } from "../../provider/gitops/budgetsFile";
import { spendComment } from "../../provider/cli/render/spendComments";
import { updateBudgetsText } from "../../provider/cli/updateBudgetsText";

const A = "0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10";
const B = "3f9d2b8e-7a41-4c0d-8e6f-1b2a3c4d5e6f";

describe("export --with-spend's comments", () => {
  it("say the spend, currency and % of the amount in the file, or why one of them is unknown", () => {
    const record = { customerId: A, spend: 150, currency: "EUR", budget: 9999, percentUsed: 1 };
    assert.equal(
      spendComment(record, 100),
      "month-to-date spend 150.00 EUR, 150.0 % of the budget",
      "of the file's amount, not the record's budget",
    );
    assert.equal(spendComment(record, null), "month-to-date spend 150.00 EUR; no budget");
    assert.equal(spendComment(record, 0), "month-to-date spend 150.00 EUR; the budget is 0");
    assert.equal(
      spendComment({ customerId: A, spend: 1, currency: "E\nUR" }, 10),
      "month-to-date spend 1.00 (currency unknown), 10.0 % of the budget",
    );
    assert.equal(
      spendComment({ customerId: A, currency: "EUR" }, 10),
      "month-to-date spend unknown: Partner Center's usage record gives no readable amount",
    );
    assert.equal(
      spendComment(undefined, 10),
      "month-to-date spend unknown: Partner Center's usage records do not list this customer",
    );
  });

  it("stay one line whatever the comment function returns: a line break cannot start YAML that is read as data", () => {
    const entries: BudgetEntry[] = [{ customerId: A, amount: 5 }];
    const text = formatBudgetsFile(entries, "yaml", [], () => `x\n  - customerId: ${B}\n    amount: 1`);
    assert.deepEqual(parseBudgetsText(text, "f"), entries);
    assert.equal(text.split("\n").filter((line) => line.includes("amount:")).length, 1);
    assert.throws(() => formatBudgetsFile(entries, "json", [], () => "x"), /JSON has no comments/);
  });

  it("--update: replaces export's own comment in its column, adds one where none is, keeps CRLF and a missing final line break", () => {
    const comment = (entry: BudgetEntry): string => `month-to-date spend for ${entry.amount}`;
    const crlf = `budgets:\r\n  - customerId: ${A}\r\n    amount: 1    # month-to-date spend old\r\n  - customerId: ${B}\r\n    amount: 2\r\n`;
    assert.equal(
      updateBudgetsText(
        crlf,
        "f",
        [
          { customerId: A, amount: 3 },
          { customerId: B, amount: 2 },
        ],
        { comment },
      ).text,
      `budgets:\r\n  - customerId: ${A}\r\n    amount: 3    # month-to-date spend for 3\r\n  - customerId: ${B}\r\n    amount: 2 # month-to-date spend for 2\r\n`,
    );
    const update = updateBudgetsText(
      `- customerId: ${A}\n  amount: 1 # ours`,
      "f",
      [
        { customerId: A, amount: 1 },
        { customerId: B, amount: 4 },
      ],
      { comment },
    );
    assert.equal(
      update.text,
      `- customerId: ${A}\n  amount: 1 # ours\n- customerId: ${B}\n  amount: 4 # month-to-date spend for 4\n`,
    );
    assert.deepEqual(update.comments, { written: 1, besideReviewers: 1, flow: 0 });
  });
});
