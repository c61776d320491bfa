/**
 * `pulumi-partnercenter/client`: the Partner Center client the provider
 * uses, for scripts and tools (the `partnercenter-budgets` CLI is one): the
 * settings as the provider reads them, the credentials they name, and the
 * client with its scheduler, retry policy and transport.
 */
export { PartnerCenterClient, type OperationContext, type PartnerCenterClientOptions } from "./client/partnerCenter";
export { RequestScheduler, type SchedulerOptions, type SchedulerStats } from "./client/throttle/scheduler";
export type { RememberedThrottle } from "./client/throttle/partnerThrottle";
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./client/retry/retry";
export { HttpTransport, type TransportOptions } from "./client/http/transport";
export { resolveSettings, DEFAULT_ENDPOINT, NUMBER_SETTINGS, type ProviderSettings } from "./settings/settings";
export { createClient } from "./runtime/runtime";
export { StaticTokenCredential, type TokenCredential } from "./client/auth";
export { credentialFromSettings } from "./settings/credentials";
export {
  AmountMismatchError,
  PartnerCenterStatusError,
  PartnerCenterTransportError,
  type RequestIdentity,
  SettingsError,
  UnusableAnswerError,
} from "./shared/errors";
export { Secret } from "./shared/secret";
