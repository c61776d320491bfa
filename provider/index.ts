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
export { UsageBudget, type UsageBudgetArgs } from "./usageBudget";
export type { UsageBudgetOutputs } from "./outputs";
export { MAX_AMOUNT, type OnDelete } from "./inputValues";
export { ERROR_CODES, hasCode, PartnerCenterError, type ErrorCode } from "./errors";
export { UsageBudgetSet, type UsageBudgetSetArgs } from "./usageBudgetSet";
export { UsageBudgetMap, type UsageBudgetMapArgs } from "./usageBudgetMap";
export type { RecordedBudget } from "./budgetMapShape";
export { shardOf, sliceEntries, checkBudgetsSlice, parseShardOption, parseCustomerIdRangeOption, MAX_SHARDS, BudgetsSliceError, type Shard, type CustomerIdRange, type BudgetsSlice } from "./shards";
export { BudgetsFileError, readBudgetsFile, parseBudgetsText, formatBudgetsFile, type AmountComment, type BudgetEntry } from "./budgetsFile";
