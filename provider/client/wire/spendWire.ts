/**
 * Partner Center's spend documents (shared/partner-center-api.md, "Spend"):
 * one customer's usage summary and the partner-wide usage records. Read as
 * untrusted data, tolerantly: a field that cannot be read is left unknown
 * rather than failing every customer's spend, numbers are clamped, currency
 * codes validated, names bounded.
 */
import { z } from "zod";
import { displayText } from "../../shared/untrustedText";
import { continuationOf, linkDocument, parseCollection, parseJsonBody, wireAmount, type Continuation } from "./wire";
import { WireFormatError } from "../../shared/errors";

/** The largest month-to-date spend kept (the largest budget the provider accepts): far above any real month. */
export const MAX_SPEND = 999_999_999_999.99;
/** The largest `percentUsed` kept (it can exceed 100: spend past the budget). */
export const MAX_PERCENT_USED = 1_000_000;
/** The longest company name kept from a usage record. */
const NAME_LIMIT = 200;
/** An ISO 4217 currency code, as `currencyCode` carries it. */
const CURRENCY_CODE = /^[A-Za-z]{3}$/;
/** A customer tenant id (a GUID, any case). */
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** What Partner Center says about one customer's month-to-date use. */
export interface UsageSpend {
  /** The budget the answer names: null for none (no `amount` key); undefined when its amount could not be read. */
  readonly budget?: number | null;
  /** Month-to-date cost in the customer's billing currency, in [0, {@link MAX_SPEND}], to the cent; undefined when absent or unreadable. */
  readonly spend?: number;
  /** The billing currency, an upper-case ISO 4217 code; undefined when neither field holds one. */
  readonly currency?: string;
  /** Month-to-date cost in US dollars, clamped like `spend` (absent on the legacy offer). */
  readonly usdSpend?: number;
  /** Partner Center's percentage of the budget used, in [0, {@link MAX_PERCENT_USED}]; undefined when absent. */
  readonly percentUsed?: number;
}

/** `GET /v1/customers/{id}/usagesummary`, as far as this package uses it. */
export interface WireUsageSummary extends UsageSpend {
  /** The billing period's start and end, as given (bounded, one line). */
  readonly billingStartDate?: string;
  readonly billingEndDate?: string;
}

/** One customer's entry in `GET /v1/customers/usagerecords`. */
export interface WireUsageRecord extends UsageSpend {
  /** The customer's tenant id (`resourceId`), lowercase. */
  readonly customerId: string;
  /** The company name (`resourceName`), bounded. */
  readonly companyName?: string;
}

/** One page of the usage records, and how to get the next one. */
export interface WireUsageRecordPage {
  /** The records whose customer id is a GUID. */
  readonly records: WireUsageRecord[];
  /** Records left out because they name no customer this package can match (no GUID `resourceId`). */
  readonly skipped: number;
  /** The next page's link, absent on the last page. */
  readonly next?: Continuation;
}

/** The fields both documents share; each read on its own, so that one bad field spoils only itself. */
const spendFields = {
  budget: z.unknown().optional(),
  totalCost: z.unknown().optional(),
  currencyCode: z.unknown().optional(),
  currencyLocale: z.unknown().optional(),
  usdTotalCost: z.unknown().optional(),
  percentUsed: z.unknown().optional(),
};

const usageSummaryDocument = z.looseObject({
  ...spendFields,
  billingStartDate: z.unknown().optional(),
  billingEndDate: z.unknown().optional(),
});

const usageRecordPageDocument = z.looseObject({
  items: z.array(
    z.looseObject({ ...spendFields, resourceId: z.unknown().optional(), resourceName: z.unknown().optional() }),
  ),
  links: z.looseObject({ next: linkDocument.optional() }).optional(),
});

/** A finite number from a JSON number or a plain decimal string; undefined for anything else. */
function numberOf(value: unknown): number | undefined {
  const parsed = wireAmount.safeParse(value);
  return parsed.success && parsed.data !== null && Number.isFinite(parsed.data) ? parsed.data : undefined;
}

/** A number clamped into [0, max] and rounded to two decimals. */
function clamped(value: unknown, max: number): number | undefined {
  const number = numberOf(value);
  return number === undefined ? undefined : Math.round(Math.min(Math.max(number, 0), max) * 100) / 100;
}

/** `budget.amount`: no key (or null) is no budget; an unreadable amount is unknown. */
function budgetOf(value: unknown): number | null | undefined {
  if (value === undefined || value === null) return null;
  if (typeof value !== "object" || Array.isArray(value)) return undefined;
  const amount = (value as Record<string, unknown>).amount;
  if (amount === undefined || amount === null) return null;
  return clamped(amount, MAX_SPEND);
}

/** `currencyCode`, else the legacy offer's `currencyLocale`, when it holds an ISO 4217 code. */
function currencyOf(code: unknown, locale: unknown): string | undefined {
  for (const candidate of [code, locale]) {
    if (typeof candidate === "string" && CURRENCY_CODE.test(candidate.trim())) return candidate.trim().toUpperCase();
  }
  return undefined;
}

/** A date as given, one bounded line; undefined unless a string. */
function textOf(value: unknown, limit: number): string | undefined {
  return typeof value === "string" ? displayText(value, limit) : undefined;
}

/** Only the keys with a value: outputs and comparisons never see `key: undefined`. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, inner]) => inner !== undefined)) as T;
}

function spendOf(item: z.infer<typeof usageSummaryDocument>): UsageSpend {
  return defined({
    budget: budgetOf(item.budget),
    spend: clamped(item.totalCost, MAX_SPEND),
    currency: currencyOf(item.currencyCode, item.currencyLocale),
    usdSpend: clamped(item.usdTotalCost, MAX_SPEND),
    percentUsed: clamped(item.percentUsed, MAX_PERCENT_USED),
  });
}

/**
 * Reads `GET /v1/customers/{id}/usagesummary`.
 *
 * @param text - the response body
 */
export function parseUsageSummary(text: string): WireUsageSummary {
  const parsed = usageSummaryDocument.safeParse(parseJsonBody(text));
  if (!parsed.success) throw new WireFormatError("not a usage summary (the body is not a JSON object)");
  return defined({
    ...spendOf(parsed.data),
    billingStartDate: textOf(parsed.data.billingStartDate, 40),
    billingEndDate: textOf(parsed.data.billingEndDate, 40),
  });
}

/**
 * Reads a page of `GET /v1/customers/usagerecords`.
 *
 * @param text - the response body
 */
export function parseUsageRecordPage(text: string): WireUsageRecordPage {
  const data = parseCollection(usageRecordPageDocument, text, "usage record collection");
  const records: WireUsageRecord[] = [];
  for (const item of data.items) {
    const id = typeof item.resourceId === "string" ? item.resourceId.trim() : "";
    if (!GUID.test(id)) continue;
    records.push(
      defined({ customerId: id.toLowerCase(), companyName: textOf(item.resourceName, NAME_LIMIT), ...spendOf(item) }),
    );
  }
  return { records, skipped: data.items.length - records.length, next: continuationOf(data.links?.next) };
}
