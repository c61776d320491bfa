/**
 * Partner Center's spend answers (shared/partner-center-api.md, "Spend"):
 * one customer's usage summary, the partner-wide usage records, and the
 * refusals of a credential these App+User-only calls do not accept.
 */
import { errorReply, type EmulatorReply } from "./responses";
import type { CustomerRecord } from "./seed";

/** `GET /v1/customers/usagerecords`. */
export const USAGE_RECORDS_PATH = "/v1/customers/usagerecords";
/** `GET /v1/customers/{id}/usagesummary`. */
export const USAGE_SUMMARY_PATH = /^\/v1\/customers\/([^/]+)\/usagesummary$/;

/** Who a bearer token speaks for, as far as the App+User-only calls care. */
export interface TokenIdentity {
  /** An App+User token (a signed-in user's delegated `scp`), not an app-only one. */
  readonly user: boolean;
  /** The user's sign-in was multi-factor (`amr` holds `mfa`). */
  readonly mfa: boolean;
}

/** An app-only token: what the emulator's own static token stands for unless told otherwise. */
export const APP_ONLY: TokenIdentity = { user: false, mfa: false };

/** Partner Center's code for an App+User call whose token lacks the MFA claim (HTTP 401), enforced since April 2026. */
export const MFA_REQUIRED_CODE = 900421;

/** US dollars per unit of a few billing currencies (fixed: the emulator's `usdTotalCost` only needs to be plausible). */
const USD_PER_UNIT: Readonly<Record<string, number>> = {
  USD: 1,
  EUR: 1.08,
  GBP: 1.27,
  JPY: 0.0067,
  AUD: 0.66,
  CAD: 0.73,
  CHF: 1.13,
  DKK: 0.145,
  NOK: 0.094,
  SEK: 0.096,
};

/**
 * The refusal of an app-only token by a spend call (App+User only), or
 * undefined for a user's token. The words are those Partner Center's usage
 * summary answered the PowerShell module with ("This resource can't be
 * accessed by application credentials.", microsoft/Partner-Center-PowerShell#54);
 * the status (403) and code (403) are inferred, not documented.
 */
export function spendRefusal(identity: TokenIdentity): EmulatorReply | undefined {
  return identity.user
    ? undefined
    : errorReply(403, 403, "This resource can't be accessed by application credentials.");
}

/**
 * The refusal of an App+User token without the MFA claim, by any call (every
 * App+User call requires MFA since April 2026), or undefined. 401 with code
 * 900421, as Microsoft announced it; the description is inferred.
 */
export function mfaRefusal(identity: TokenIdentity): EmulatorReply | undefined {
  return identity.user && !identity.mfa
    ? errorReply(
        401,
        MFA_REQUIRED_CODE,
        "Multi-factor authentication is required: the access token carries no MFA claim. Sign in again with MFA.",
      )
    : undefined;
}

/** Spend as a percentage of the budget, to the cent; 0 without a budget (or with a budget of 0). */
export function percentUsed(customer: CustomerRecord): number {
  const spend = customer.spend ?? 0;
  if (customer.amount === null || customer.amount <= 0) return 0;
  return Math.round((spend / customer.amount) * 10_000) / 100;
}

/** The current calendar month (UTC), the emulator's billing period. */
function billingPeriod(now: number): { billingStartDate: string; billingEndDate: string } {
  const date = new Date(now);
  const start = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  const end = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) - 1000;
  return {
    billingStartDate: new Date(start).toISOString().replace(".000Z", "Z"),
    billingEndDate: new Date(end).toISOString().replace(".000Z", "Z"),
  };
}

/** The fields both answers share: budget (no `amount` key when none), cost, currency (`currencyLocale` on the legacy offer). */
function spendFields(customer: CustomerRecord, now: number): Record<string, unknown> {
  const currency = customer.currency ?? "USD";
  const totalCost = customer.spend ?? 0;
  const rate = USD_PER_UNIT[currency];
  return {
    budget: customer.amount === null ? {} : { amount: customer.amount },
    resourceId: customer.id,
    resourceName: customer.companyName,
    totalCost,
    ...(customer.legacyOffer
      ? { currencyLocale: currency }
      : {
          currencyCode: currency,
          ...(rate === undefined ? {} : { usdTotalCost: Math.round(totalCost * rate * 100) / 100 }),
        }),
    lastModifiedDate: new Date(now).toISOString(),
  };
}

/** `GET /v1/customers/{id}/usagesummary`. */
export function usageSummaryReply(customer: CustomerRecord, now: number): EmulatorReply {
  const self = { uri: `/v1/customers/${customer.id}/usagesummary`, method: "GET", headers: [] };
  return {
    status: 200,
    body: {
      ...spendFields(customer, now),
      ...billingPeriod(now),
      links: { self },
      attributes: { objectType: "CustomerUsageSummary" },
    },
  };
}

/** One page of `GET /v1/customers/usagerecords`, with a continuation link unless it is the last page. */
export function usageRecordPageReply(
  page: readonly CustomerRecord[],
  totalCount: number,
  continuationToken: string | undefined,
  now: number,
): EmulatorReply {
  const items = page.map((customer) => ({
    ...spendFields(customer, now),
    percentUsed: percentUsed(customer),
    attributes: { objectType: "CustomerMonthlyUsageRecord" },
  }));
  const links = continuationToken
    ? {
        next: {
          uri: `${USAGE_RECORDS_PATH}?seekOperation=Next`,
          method: "GET",
          headers: [{ key: "MS-ContinuationToken", value: continuationToken }],
        },
      }
    : {};
  return { status: 200, body: { totalCount, items, links, attributes: { objectType: "Collection" } } };
}
