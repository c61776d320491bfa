import type { CustomerRecord } from "./seed";

/** A response the emulator is about to send: status, JSON body (or raw text, or none) and extra headers. */
export interface EmulatorReply {
  status: number;
  body?: unknown;
  /** A body sent as is instead of JSON (a gateway's HTML page, say), with its content type. */
  raw?: { text: string; contentType: string };
  headers?: Record<string, string>;
}

/** Partner Center's error document. */
export function errorReply(
  status: number,
  code: number,
  description: string,
  headers?: Record<string, string>,
): EmulatorReply {
  return { status, body: { code, description, data: [], source: "PartnerCenter" }, headers };
}

/** The usage budget document of GET and PATCH; a customer with no budget has no `amount` at all. */
export function budgetReply(customer: CustomerRecord): EmulatorReply {
  const self = { uri: `/v1/customers/${customer.id}/usagebudget`, method: "GET", headers: [] };
  const amount = customer.amount === null ? {} : { amount: customer.amount, usageSpendingBudget: customer.amount };
  return { status: 200, body: { ...amount, links: { self }, attributes: { objectType: "SpendingBudget" } } };
}

/** One page of `GET /v1/customers`, with a continuation link unless it is the last page. */
export function customerPageReply(
  page: readonly CustomerRecord[],
  totalCount: number,
  pageSize: number,
  continuationToken: string | undefined,
): EmulatorReply {
  const items = page.map((customer) => ({
    id: customer.id,
    commerceId: customer.id,
    companyProfile: { tenantId: customer.id, domain: customer.domain, companyName: customer.companyName },
    relationshipToPartner: "reseller",
    attributes: { objectType: "Customer" },
  }));
  const links = continuationToken
    ? {
        next: {
          uri: `/v1/customers?size=${pageSize}&seekOperation=Next`,
          method: "GET",
          headers: [{ key: "MS-ContinuationToken", value: continuationToken }],
        },
      }
    : {};
  return { status: 200, body: { totalCount, items, links, attributes: { objectType: "Collection" } } };
}

/** The gateway's answer to a throttled request: not Partner Center's error document. */
export function throttledReply(retryAfterSeconds: number): EmulatorReply {
  return {
    status: 429,
    body: { statusCode: 429, message: `Rate limit is exceeded. Try again in ${retryAfterSeconds} seconds.` },
    headers: { "retry-after": String(retryAfterSeconds) },
  };
}

/** A service failure (500, with Partner Center's error document) or a gateway failure (HTML or empty body). */
export function serverErrorReply(status: 500 | 502 | 503 | 504, html: boolean): EmulatorReply {
  if (status === 500) return errorReply(500, 500, "An unexpected error occurred while processing the request.");
  const titles = { 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout" } as const;
  const text = html
    ? `<html><head><title>${status} ${titles[status]}</title></head><body><h1>${titles[status]}</h1></body></html>`
    : "";
  return { status, raw: { text, contentType: "text/html" } };
}

/** The codes this emulator answers with, as Partner Center documents them. */
export const ERROR_CODES = {
  noRelationship: 20002,
  tenantNotFound: 60003,
  invalidCustomerId: 900118,
  invalidInput: 800002,
  tokenMissing: 800001,
} as const;
