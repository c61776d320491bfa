// A user's program, run by the engine model exactly as `pulumi` runs it. What it
// declares is read from the JSON file named by BUDGETS_PROGRAM (test/engine/stack.ts
// writes it): { budgets: [{ name, customerId, amount, amountFrom?, onDelete?, options? }],
// sets: [{ name, file, onDelete? }] }. {"$number": "NaN"} stands for numbers JSON cannot carry.
"use strict";
const fs = require("fs");
const { UsageBudget, UsageBudgetSet } = require("pulumi-partnercenter");

const declared = JSON.parse(fs.readFileSync(process.env.BUDGETS_PROGRAM, "utf8"), (_key, value) =>
  value && typeof value === "object" && Object.keys(value).length === 1 && typeof value.$number === "string" ? Number(value.$number) : value,
);
const byName = {};
for (const budget of declared.budgets || []) {
  const args = { customerId: budget.customerId, amount: budget.amountFrom ? byName[budget.amountFrom.budget][budget.amountFrom.output] : budget.amount };
  if ("onDelete" in budget) args.onDelete = budget.onDelete;
  byName[budget.name] = new UsageBudget(budget.name, args, budget.options || {});
}
for (const set of declared.sets || []) {
  new UsageBudgetSet(set.name, set.onDelete ? { file: set.file, onDelete: set.onDelete } : { file: set.file });
}
// Stack outputs: each budget's amount, and where the program ran (ENGINE.md, "working directory").
module.exports = { ...Object.fromEntries(Object.entries(byName).map(([name, budget]) => [name, budget.amount])), programCwd: process.cwd() };
