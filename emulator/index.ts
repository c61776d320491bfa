/**
 * The Partner Center emulator, as a library for tests and tools:
 * `const emulator = await PartnerCenterEmulator.start({ port: 0 })`.
 */
export { PartnerCenterEmulator, type EmulatorOptions, type RecordedRequest } from "./server";
export { DEMO_CUSTOMERS, generateCustomers, generatedCustomerId, type CustomerRecord } from "./seed";
export { ERROR_CODES } from "./responses";
export { FaultInjector, type FaultCounters, type FaultSettings, type RateLimit } from "./faults";
