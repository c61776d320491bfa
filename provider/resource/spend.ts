/**
 * Month-to-date spend beside each UsageBudget (outputs `spend`, `currency`,
 * `percentUsed`). One usage-records read per provider process, shared by
 * every resource in it; spend is context, never a reason to fail an
 * operation: a refusal (an app-only credential, an App+User token without
 * MFA) or any other failure leaves the outputs unset and is said once.
 */
import type { PartnerCenterClient } from "../client/partnerCenter";
import { MAX_PERCENT_USED, type WireUsageRecord } from "../client/wire/spendWire";
import { displayText } from "../shared/untrustedText";
import { MFA_REQUIRED, PartnerCenterStatusError } from "../shared/errors";

/** The spend outputs of a UsageBudget; each absent when not known. */
export interface SpendOutputs {
  /** Month-to-date cost in the customer's billing currency. */
  spend?: number;
  /** The billing currency (ISO 4217). */
  currency?: string;
  /** `spend` as a percentage of the budget recorded beside it (can exceed 100); absent without a budget above 0. */
  percentUsed?: number;
}

/** The names of the spend outputs (what `diff` never compares: spend changes every day). */
export const SPEND_OUTPUT_NAMES = ["spend", "currency", "percentUsed"] as const;

/** How the provider says, once, why spend is not shown. */
const PREFIX = "partnercenter: spend, currency and percentUsed are left unset";
const HOW_TO =
  "configure an App+User credential signed in with MFA (partnercenter:refreshToken with partnercenter:clientId and partnercenter:tenantId; see docs/spend.md)";

/** Why the usage records could not be read, in one line that says what to do. */
export function describeSpendFailure(error: unknown): string {
  if (error instanceof PartnerCenterStatusError && error.status === 401 && error.serviceCode === MFA_REQUIRED) {
    return `${PREFIX}: Partner Center refused the App+User token because its sign-in did not use MFA (code ${MFA_REQUIRED}); obtain the refresh token again, signing in with MFA`;
  }
  if (error instanceof PartnerCenterStatusError && (error.status === 401 || error.status === 403)) {
    return `${PREFIX}: Partner Center's usage records accept App+User credentials only and refused this one (HTTP ${error.status}${error.serviceCode ? `, code ${error.serviceCode}` : ""}); to see spend, ${HOW_TO}`;
  }
  return `${PREFIX}: Partner Center's usage records could not be read (${displayText(error instanceof Error ? error.message : String(error), 400)})`;
}

/**
 * The spend outputs for a budget: the customer's month-to-date spend and
 * currency, and the percentage of `amount` it is. Computed here rather than
 * taken from the record's `percentUsed`, which is about the budget when the
 * records were read (before this operation may have changed it).
 *
 * @param spend - the customer's spend, when known
 * @param amount - the budget recorded beside it
 */
export function spendOutputs(
  spend: { spend?: number; currency?: string } | undefined,
  amount: number | null,
): SpendOutputs {
  const outputs: SpendOutputs = {};
  if (spend?.spend === undefined) return outputs;
  outputs.spend = spend.spend;
  if (spend.currency !== undefined) outputs.currency = spend.currency;
  if (amount !== null && amount > 0)
    outputs.percentUsed = Math.min(Math.round((spend.spend / amount) * 10_000) / 100, MAX_PERCENT_USED);
  return outputs;
}

/**
 * What of the spend outputs travels with the inputs (for policies): spend and
 * currency; `percentUsed` is about the recorded amount, not the declared one.
 *
 * @param outputs - the spend outputs
 */
export function carriedSpend(outputs: SpendOutputs): { spend?: number; currency?: string } {
  if (outputs.spend === undefined) return {};
  return outputs.currency === undefined
    ? { spend: outputs.spend }
    : { spend: outputs.spend, currency: outputs.currency };
}

/**
 * The spend outputs as recorded in state (or in the inputs a refresh wrote):
 * only well-formed values, so that nothing else travels on from an older or
 * hand-edited state.
 *
 * @param props - a property bag from state
 */
export function storedSpend(
  props: Record<string, unknown> | undefined,
): { spend?: number; currency?: string } | undefined {
  const spend = props?.spend;
  if (typeof spend !== "number" || !Number.isFinite(spend) || spend < 0) return undefined;
  const currency = props?.currency;
  return typeof currency === "string" && /^[A-Z]{3}$/.test(currency) ? { spend, currency } : { spend };
}

/**
 * Every customer's spend, read once per process on first use: concurrent
 * operations share the one read in flight, and later ones its result.
 */
export class SpendLookup {
  #records: Promise<Map<string, WireUsageRecord> | undefined> | undefined;
  readonly #say: (line: string) => void;

  /** @param say - where the one line explaining unset spend goes (the host's stderr, which the engine shows) */
  constructor(say: (line: string) => void = (line) => console.error(line)) {
    this.#say = say;
  }

  /**
   * The customer's usage record, or undefined when it is not known (the
   * listing was refused or failed, or does not name the customer). Never rejects.
   *
   * @param client - the process's client (the first caller's starts the read)
   * @param customerId - the customer's tenant id, lowercase
   */
  async of(client: PartnerCenterClient, customerId: string): Promise<WireUsageRecord | undefined> {
    this.#records ??= this.#read(client);
    return (await this.#records)?.get(customerId);
  }

  async #read(client: PartnerCenterClient): Promise<Map<string, WireUsageRecord> | undefined> {
    try {
      const records = await client.listUsageRecords();
      return new Map(records.map((record) => [record.customerId, record]));
    } catch (error) {
      // Said once: this read is the process's only one.
      this.#say(describeSpendFailure(error));
      return undefined;
    }
  }
}
