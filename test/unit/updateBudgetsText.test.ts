/** `export --update`'s edit of a reviewed file: only amounts and appended entries change, in every style a file may have. */
import { strict as assert } from "node:assert";
import { parseBudgetsText, type BudgetEntry } from "../../provider/gitops/budgetsFile";
import { updateBudgetsText } from "../../provider/cli/updateBudgetsText";

const A = "0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10";
const B = "3f9d2b8e-7a41-4c0d-8e6f-1b2a3c4d5e6f";
const C = "8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d";

describe("export --update's edit of a reviewed file", () => {
  it("a JSON file: the amount is rewritten in place and a new customer appended as a JSON object; it stays JSON", () => {
    const text = `{\n  "budgets": [\n    {\n      "customerId": "${A}",\n      "amount": 10\n    }\n  ]\n}\n`;
    const live: BudgetEntry[] = [
      { customerId: A, amount: 20 },
      { customerId: B, name: "Fabrikam", amount: null },
    ];
    const update = updateBudgetsText(text, "budgets.json", live);
    assert.equal(
      update.text,
      `{\n  "budgets": [\n    {\n      "customerId": "${A}",\n      "amount": 20\n    },\n    {"customerId":"${B}","name":"Fabrikam","amount":null}\n  ]\n}\n`,
    );
    assert.deepEqual(JSON.parse(update.text), {
      budgets: [
        { customerId: A, amount: 20 },
        { customerId: B, name: "Fabrikam", amount: null },
      ],
    });
  });

  it("a flow list, an empty one, a top-level list and a file without a final line break each get the new entries in their own style", () => {
    const live: BudgetEntry[] = [
      { customerId: A, amount: 1 },
      { customerId: B, amount: 2 },
    ];
    assert.equal(
      updateBudgetsText(`budgets: [{customerId: ${A}, amount: 1}]\n`, "f", live).text,
      `budgets: [{customerId: ${A}, amount: 1}, {"customerId":"${B}","amount":2}]\n`,
    );
    assert.equal(
      updateBudgetsText("budgets: []\n", "f", live).text,
      `budgets: [{"customerId":"${A}","amount":1}, {"customerId":"${B}","amount":2}]\n`,
    );
    assert.equal(
      updateBudgetsText(`- customerId: ${A}\n  amount: 1\n`, "f", live).text,
      `- customerId: ${A}\n  amount: 1\n- customerId: ${B}\n  amount: 2\n`,
    );
    assert.equal(
      updateBudgetsText(`budgets:\n    - customerId: ${A}\n      amount: 1`, "f", live).text,
      `budgets:\n    - customerId: ${A}\n      amount: 1\n    - customerId: ${B}\n      amount: 2\n`,
    );
  });

  it("nothing changed: the very same text, whatever its comments and spacing; gone customers are reported and kept", () => {
    const text = `# top\nbudgets:   # the list\n\n  - customerId: ${A.toUpperCase()}   # upper case\n    amount:   250.50   # cents\n  - customerId: ${C}\n    amount: 3\n# bottom`;
    const update = updateBudgetsText(text, "f", [{ customerId: A, amount: 250.5 }]);
    assert.equal(update.text, text);
    assert.deepEqual(
      update.gone.map((entry) => entry.customerId),
      [C],
    );
    assert.deepEqual(parseBudgetsText(update.text, "f").length, 2);
  });
});
