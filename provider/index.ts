/**
 * pulumi-partnercenter: Microsoft Partner Center customer usage spending
 * budgets as Pulumi resources.
 */
export { UsageBudget, type UsageBudgetArgs } from "./usageBudget";
export type { UsageBudgetOutputs } from "./outputs";
export { MAX_AMOUNT, type OnDelete } from "./inputs";
export { PartnerCenterClient, newOperation, type OperationContext, type PartnerCenterClientOptions } from "./client/partnerCenter";
export { PartnerCenterError, PartnerCenterResponseError, PartnerCenterTransportError, type RequestIdentity } from "./client/errors";
export { resolveSettings, SettingsError, DEFAULT_ENDPOINT, type ProviderSettings } from "./settings";
export { credentialFromSettings, StaticTokenCredential, type TokenCredential } from "./client/auth";
export { Secret } from "./secret";
