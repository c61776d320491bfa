/**
 * pulumi-partnercenter: Microsoft Partner Center customer usage spending
 * budgets as Pulumi resources.
 *
 * This entry point is what a Pulumi program loads, so it holds the resource
 * surface only: the HTTP client, MSAL and the settings load in the provider
 * host, when the engine first calls it (a program that declares 1,000
 * budgets starts without them). The client as a library is
 * `pulumi-partnercenter/client`.
 */
export { UsageBudget, type UsageBudgetArgs } from "./resource/usageBudget";
export type { UsageBudgetOutputs } from "./budget/outputs";
export { MAX_AMOUNT, type OnDelete } from "./budget/inputValues";
export {
  BudgetsFileError,
  BudgetsSliceError,
  ERROR_CODES,
  type ErrorCode,
  hasCode,
  PartnerCenterError,
} from "./shared/errors";
export { UsageBudgetSet, type UsageBudgetSetArgs } from "./resource/usageBudgetSet";
export { UsageBudgetMap, type UsageBudgetMapArgs } from "./resource/usageBudgetMap";
export type { RecordedBudget } from "./resource/budgetMapShape";
export {
  shardOf,
  sliceEntries,
  checkBudgetsSlice,
  parseShardOption,
  parseCustomerIdRangeOption,
  MAX_SHARDS,
  type Shard,
  type CustomerIdRange,
  type BudgetsSlice,
} from "./gitops/shards";
export {
  readBudgetsFile,
  parseBudgetsText,
  formatBudgetsFile,
  type AmountComment,
  type BudgetEntry,
} from "./gitops/budgetsFile";
