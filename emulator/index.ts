/**
 * The Partner Center emulator, as a library for tests and tools:
 * `const emulator = await PartnerCenterEmulator.start({ port: 0 })`.
 */
export { PartnerCenterEmulator, type EmulatorOptions, type RecordedRequest } from "./server";
export { DEMO_CUSTOMERS, generateCustomers, generatedCustomerId, type CustomerRecord } from "./seed";
export { ERROR_CODES } from "./responses";
export { APP_ONLY, MFA_REQUIRED_CODE, percentUsed, type TokenIdentity } from "./usage";
export { FaultInjector, type FaultCounters, type FaultSettings } from "./faults";
export {
  createLimiter,
  describeRateLimit,
  admitAt,
  parseRateLimit,
  sustainedRate,
  type FixedWindowLimit,
  type Limiter,
  type RateLimit,
  type SlidingWindowLimit,
  type TokenBucketLimit,
} from "./rateLimits";
export {
  EntraEmulator,
  type EntraApp,
  type EntraEmulatorOptions,
  type FederatedCredential,
  type TokenRequest,
} from "./entra/server";
export {
  AzureDevOpsEmulator,
  type AzureDevOpsEmulatorOptions,
  type AzureDevOpsRequest,
  type FederatedTokenSigner,
  type ServiceConnection,
} from "./azureDevOps";
export { EMULATOR_CA, TEST_CLIENT_CERTIFICATE, TEST_CLIENT_KEY } from "./entra/testPki";
export { FEDERATED_AUDIENCE, GITHUB_ISSUER, PARTNER_CENTER_AUDIENCE } from "./entra/tokens";
export { AuditLog, AUDIT_RETENTION_DAYS, BUDGET_CHANGE, type Actor, type AuditRecord } from "./auditLog";
