/**
 * The demo stack: three customers' usage spending budgets, declared in code.
 * The customer ids are the emulator's demo customers (`npm run emulator`).
 */
import { UsageBudget } from "pulumi-partnercenter";

/** Contoso has 1000 in Partner Center; the stack raises it (previousAmount records the 1000). */
const contoso = new UsageBudget("contoso", {
  customerId: "0C1F3A27-5D3B-4C6E-9A51-2F8E7B6D4C10",
  amount: 1200,
});

/** Fabrikam has no budget yet; destroying the stack clears the one set here. */
const fabrikam = new UsageBudget("fabrikam", {
  customerId: "3f9d2b8e-7a41-4c0d-8e6f-1b2a3c4d5e6f",
  amount: 500,
  onDelete: "clear",
});

/** Northwind's existing budget is adopted as it is: creating it sends no write. */
const northwind = new UsageBudget("northwind", {
  customerId: "8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d",
  amount: 250.5,
});

/** Each customer's budget as Partner Center reports it. */
export const budgets = {
  contoso: contoso.amount,
  fabrikam: fabrikam.amount,
  northwind: northwind.amount,
};
