import { WireFormatError, type ServiceFault } from "../../shared/errors";
import { z } from "zod";
import { displayText } from "../../shared/untrustedText";

/**
 * Lowercases the first letter of every key at every depth, so `Amount` and
 * `amount` read alike. Every key becomes an own data property: assigning
 * `result["__proto__"] = …` would set the copy's prototype instead, and an
 * answer's `{"__proto__": {"amount": 5}}` would then read as an amount.
 */
function camelCaseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelCaseKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [key.charAt(0).toLowerCase() + key.slice(1), camelCaseKeys(inner)]),
  );
}

/**
 * Parses a Partner Center JSON body tolerantly: strips a UTF-8 byte order
 * mark and normalises key casing.
 *
 * @param text - the body as received
 */
export function parseJsonBody(text: string): unknown {
  const stripped = text.replace(/^\uFEFF/, "");
  try {
    return camelCaseKeys(JSON.parse(stripped));
  } catch (error) {
    // Redacted before it is cut (a token across the cut would otherwise show its first characters).
    throw new WireFormatError(
      `the body is not JSON (${displayText((error as Error).message, 120)}); it starts ${JSON.stringify(displayText(stripped, 80))}`,
    );
  }
}

const decimalText = /^-?\d+(\.\d+)?$/;

/**
 * An amount as the service may send it: a number, a numeric string, or null (shared by every document that carries one).
 *
 * @internal zod types stay out of the public declarations (stripInternal)
 */
export const wireAmount = z.union([z.number(), z.string().regex(decimalText).transform(Number), z.null()]);

/** The usage budget document of GET and PATCH responses; `amount` missing means no budget. */
const budgetDocument = z.looseObject({ amount: wireAmount.optional() });

/** A customer's usage budget as read from Partner Center. */
export interface WireBudget {
  /** The budget; null when the customer has none. */
  readonly amount: number | null;
}

/**
 * Reads a usage budget body. `usageSpendingBudget`, the legacy duplicate, is
 * ignored: `amount` is the real field.
 *
 * @param text - the response body
 */
export function parseBudget(text: string): WireBudget {
  const parsed = budgetDocument.safeParse(parseJsonBody(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new WireFormatError(`"${issue?.path.join(".")}" is not a budget amount (${issue?.message})`);
  }
  return { amount: parsed.data.amount ?? null };
}

/** The amount as the PATCH body sends it (PascalCase, as documented). */
export function budgetPatchBody(amount: number | null): string {
  return JSON.stringify({ Amount: amount, Attributes: { ObjectType: "SpendingBudget" } });
}

const errorDocument = z.looseObject({
  code: z.union([z.number(), z.string()]).optional(),
  description: z.string().optional(),
  message: z.string().optional(),
  statusCode: z.number().optional(),
});

/**
 * Reads whatever an error response carries: Partner Center's error document,
 * the gateway's throttling document, or an HTML or empty body.
 *
 * @param text - the response body
 * @param contentType - the response's content type, if any
 */
export function parseFault(text: string, contentType: string | undefined): ServiceFault {
  const body = text.replace(/^\uFEFF/, "").trim();
  if (body === "") return {};
  let document: unknown;
  try {
    document = parseJsonBody(body);
  } catch {
    return {
      description: `a ${contentType ?? "non-JSON"} body of ${body.length} characters, not a Partner Center error`,
    };
  }
  const parsed = errorDocument.safeParse(document);
  if (!parsed.success) return { description: displayText(body) };
  const { code, description, message } = parsed.data;
  return {
    code: code === undefined ? undefined : displayText(String(code), 40),
    description:
      description === undefined && message === undefined ? undefined : displayText(description ?? message ?? "", 1000),
  };
}

const customerDocument = z.looseObject({
  id: z.string(),
  companyProfile: z.looseObject({ companyName: z.string().optional(), domain: z.string().optional() }).optional(),
});

/**
 * A collection's `links.next` as documented: a link and the headers to send with it.
 *
 * @internal zod types stay out of the public declarations (stripInternal)
 */
export const linkDocument = z.looseObject({
  uri: z.string(),
  headers: z.array(z.looseObject({ key: z.string(), value: z.string() })).optional(),
});

const customerPageDocument = z.looseObject({
  totalCount: z.number().optional(),
  items: z.array(customerDocument),
  links: z.looseObject({ next: linkDocument.optional() }).optional(),
});

/** One customer from the customer list. */
export interface WireCustomer {
  /** The customer's tenant id. */
  readonly id: string;
  /** The company name, when given. */
  readonly companyName?: string;
  /** The primary domain, when given. */
  readonly domain?: string;
}

/** One page of the customer list, and how to get the next one. */
export interface WireCustomerPage {
  /** The customers on this page. */
  readonly customers: WireCustomer[];
  /** The next page's link, absent on the last page. */
  readonly next?: Continuation;
}

/**
 * Reads a page of `GET /v1/customers`.
 *
 * @param text - the response body
 */
export function parseCustomerPage(text: string): WireCustomerPage {
  const data = parseCollection(customerPageDocument, text, "customer collection");
  return {
    customers: data.items.map((item) => ({
      id: item.id,
      // Bounded as they are read: a page of huge names must not be held whole until the export ends.
      companyName:
        item.companyProfile?.companyName === undefined ? undefined : displayText(item.companyProfile.companyName, 200),
      domain: item.companyProfile?.domain === undefined ? undefined : displayText(item.companyProfile.domain, 253),
    })),
    next: continuationOf(data.links?.next),
  };
}

/**
 * A collection document checked against its schema, or a {@link WireFormatError} naming the first problem.
 *
 * @internal zod types stay out of the public declarations (stripInternal)
 */
export function parseCollection<S extends z.ZodType>(schema: S, text: string, what: string): z.infer<S> {
  const parsed = schema.safeParse(parseJsonBody(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new WireFormatError(
      `not ${what.startsWith("a") ? "an" : "a"} ${what} ("${issue?.path.join(".")}": ${issue?.message})`,
    );
  }
  return parsed.data;
}

/** The header a collection's next link names for its continuation token (shared/partner-center-api.md, "Customers"). */
export const CONTINUATION_TOKEN_HEADER = "MS-ContinuationToken";

/** How to ask for a collection's next page. */
export interface Continuation {
  /** The link, as the page gives it (checked before it is followed). */
  readonly uri: string;
  /** The `MS-ContinuationToken` the link names, unchecked; absent when it names none. */
  readonly continuationToken?: string;
}

/**
 * A collection's `links.next`: the link and its continuation token. Every
 * other header the page lists is dropped: the answer decides which page
 * comes next, not what else a request carries (a second `Authorization`, a
 * `Host`, a correlation id).
 */
export function continuationOf(
  next: { uri: string; headers?: { key: string; value: string }[] } | undefined,
): Continuation | undefined {
  if (!next) return undefined;
  const tokens = new Set(
    (next.headers ?? [])
      .filter((header) => header.key.toLowerCase() === CONTINUATION_TOKEN_HEADER.toLowerCase())
      .map((header) => header.value),
  );
  if (tokens.size > 1)
    throw new WireFormatError(`links.next names ${tokens.size} different ${CONTINUATION_TOKEN_HEADER} values`);
  const [continuationToken] = tokens;
  return continuationToken === undefined ? { uri: next.uri } : { uri: next.uri, continuationToken };
}

const auditRecordDocument = z.looseObject({
  customerId: z.string().optional(),
  customerName: z.string().optional(),
  userPrincipalName: z.string().nullish(),
  applicationId: z.string().nullish(),
  resourceOldValue: z.string().nullish(),
  resourceNewValue: z.string().nullish(),
  operationType: z.string().optional(),
  operationDate: z.string().optional(),
  operationStatus: z.string().optional(),
});

const auditPageDocument = z.looseObject({
  items: z.array(auditRecordDocument),
  links: z.looseObject({ next: linkDocument.optional() }).optional(),
});

/** One activity-log record, as far as budget attribution needs it. */
export interface WireAuditRecord {
  readonly customerId?: string;
  readonly customerName?: string;
  readonly userPrincipalName?: string;
  readonly applicationId?: string;
  readonly resourceOldValue?: string;
  readonly resourceNewValue?: string;
  readonly operationType?: string;
  readonly operationDate?: string;
  readonly operationStatus?: string;
}

/** One page of `GET /v1/auditrecords`, and how to get the next one. */
export interface WireAuditPage {
  /** The records on this page. */
  readonly records: WireAuditRecord[];
  /** The next page's link, absent on the last page. */
  readonly next?: Continuation;
}

/**
 * Reads a page of the activity log.
 *
 * @param text - the response body
 */
export function parseAuditPage(text: string): WireAuditPage {
  const data = parseCollection(auditPageDocument, text, "audit record collection");
  return {
    records: data.items.map(
      (item) =>
        Object.fromEntries(Object.entries(item).filter(([, value]) => typeof value === "string")) as WireAuditRecord,
    ),
    next: continuationOf(data.links?.next),
  };
}

/**
 * The budget amount in an audit record's old or new value: JSON text of the
 * resource whose exact shape is undocumented, so the key in any case. The
 * amount by the API's rules ({@link wireAmount}): a JSON number or a plain
 * decimal string; null or no amount at all is "no budget". Undefined when
 * the text is not a budget, so `"0x1F4"`, `""`, `" 7"` or `"1e3"` (which
 * `Number()` would read as 500, 0, 7 and 1000) match no amount.
 */
export function auditAmount(text: string | undefined): number | null | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  let document: unknown;
  try {
    document = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch {
    return undefined;
  }
  if (document === null || typeof document !== "object" || Array.isArray(document)) return undefined;
  const entry = Object.entries(document).find(([key]) => key.toLowerCase() === "amount");
  if (!entry) return null;
  const amount = wireAmount.safeParse(entry[1]);
  // A decimal string of 400 digits is Infinity as a number: no budget anyone set.
  return amount.success && (amount.data === null || Number.isFinite(amount.data)) ? amount.data : undefined;
}

/** An ISO 8601 date-time with a zone, as the service writes `operationDate` (.NET writes seven fraction digits). */
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The time (ms since the epoch) of an ISO 8601 date-time with a zone (`Z` or
 * `±hh:mm`), such as an audit record's `operationDate`. Undefined for anything
 * else: a time without a zone (`Date.parse` would read it in the local zone),
 * other date formats, and dates or times that do not exist (31 April, 24:00),
 * which `Date.parse` rolls over to the next day.
 *
 * @param text - the date-time as received
 */
export function isoDateTime(text: string | undefined): number | undefined {
  const match = text === undefined ? null : ISO_DATE_TIME.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second = "00", fraction = "", zone = "Z"] = match;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return undefined;
  const date = `${year}-${month}-${day}`;
  const midnight = Date.parse(`${date}T00:00:00Z`);
  if (!Number.isFinite(midnight) || new Date(midnight).toISOString().slice(0, 10) !== date) return undefined;
  let offsetMinutes = 0;
  if (zone !== "Z") {
    const [hours = 0, minutes = 0] = zone.slice(1).split(":").map(Number);
    if (hours > 23 || minutes > 59) return undefined;
    offsetMinutes = (zone.startsWith("-") ? -1 : 1) * (hours * 60 + minutes);
  }
  const millis = Number(`${fraction}000`.slice(0, 3));
  return midnight + ((Number(hour) * 60 + Number(minute) - offsetMinutes) * 60 + Number(second)) * 1000 + millis;
}
