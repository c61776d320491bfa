/** Partner Center's answers in the service's shapes, for a loopback server (test/support/loopbackServer.ts) to send. */
import type { ServerResponse } from "node:http";

/**
 * Answers with a JSON body.
 *
 * @param body - an object or array is serialised; a string is sent as it is (a body that is not JSON, or a hand-written one)
 * @param status - the HTTP status (200 unless given)
 * @param headers - headers besides the content type
 */
export function answerJson(
  res: ServerResponse,
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, { "content-type": "application/json", ...headers })
    .end(typeof body === "string" ? body : JSON.stringify(body));
}

/** The link to a collection's next page, as a page gives it. */
export interface NextLink {
  uri: string;
  headers?: { key: string; value: string }[];
}

/** A collection page (customers, activity-log records): its items and, when given, the link to the next page. */
export function collectionPage(items: unknown[], next?: NextLink): Record<string, unknown> {
  return {
    totalCount: items.length,
    items,
    links: next ? { next: { method: "GET", headers: [], ...next } } : {},
    attributes: { objectType: "Collection" },
  };
}

/** A usage budget as `GET /v1/customers/{id}/usagebudget` answers it. */
export function budgetAnswer(amount: number | null): Record<string, unknown> {
  return { amount, attributes: { objectType: "SpendingBudget" } };
}

/** The customer id in a budget request's path (`/v1/customers/{id}/usagebudget`); undefined for any other request. */
export function budgetCustomerOf(url: string | undefined): string | undefined {
  return /\/v1\/customers\/([^/]+)\/usagebudget/.exec(url ?? "")?.[1];
}
