/**
 * pulumi-partnercenter: Microsoft Partner Center customer usage spending
 * budgets as Pulumi resources.
 */
export { UsageBudget, type UsageBudgetArgs } from "./usageBudget";
export type { UsageBudgetOutputs } from "./outputs";
export { MAX_AMOUNT, type OnDelete } from "./inputs";
export { PartnerCenterClient, type OperationContext, type PartnerCenterClientOptions } from "./client/partnerCenter";
export { RequestScheduler, type SchedulerStats } from "./client/scheduler";
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./client/retry";
export { HttpTransport, type TransportOptions } from "./client/transport";
export { AmountMismatchError, PartnerCenterStatusError, PartnerCenterTransportError, UnusableAnswerError, type RequestIdentity } from "./client/errors";
export { ERROR_CODES, hasCode, PartnerCenterError, type ErrorCode } from "./errors";
export { resolveSettings, SettingsError, DEFAULT_ENDPOINT, NUMBER_SETTINGS, type ProviderSettings } from "./settings";
export { createClient } from "./runtime";
export { StaticTokenCredential, type TokenCredential } from "./client/auth";
export { credentialFromSettings } from "./credentials";
export { Secret } from "./secret";
export { UsageBudgetSet, type UsageBudgetSetArgs } from "./usageBudgetSet";
export { BudgetsFileError, readBudgetsFile, parseBudgetsText, formatBudgetsFile, type BudgetEntry } from "./budgetsFile";
