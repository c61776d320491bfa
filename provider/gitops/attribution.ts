/**
 * Who changed a drifted budget, when, and from what: the newest successful
 * budget change in Partner Center's activity log whose new amount is the one
 * Partner Center has now. The log goes back 90 days and has no server-side
 * filter on the operation type.
 */
import type { PartnerCenterClient } from "../client/partnerCenter";
import { auditAmount, isoDateTime, type WireAuditRecord } from "../client/wire/wire";
import { sameAmount } from "../budget/inputs";
import { displayText } from "../shared/untrustedText";
import { PartnerCenterStatusError } from "../shared/errors";

/** The operation type of a budget change in the activity log. */
export const BUDGET_CHANGE = "update_customer_spending_budget";
/** How far back the activity log goes. */
export const LOG_DAYS = 90;
/**
 * Up to this many drifted customers, the log is read with one query per
 * customer (a CustomerId filter); beyond it, the whole window once, paged.
 * Either way the number of requests does not grow with the customers in the file.
 */
export const PER_CUSTOMER_QUERIES_UP_TO = 5;
/**
 * How far ahead of the local clock a record's date may be and still count as
 * a change that has happened: Partner Center dates records by its own clock,
 * and the local one may run behind. Five minutes is the skew Entra ID and
 * Kerberos tolerate between clocks; a record dated further ahead is ignored,
 * so that a wrong or forged date cannot outrank every real change.
 */
export const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * What the log says about one drift. Its text is fit to show (see
 * `untrustedText.ts`): `by` a bounded user name or an application's GUID,
 * `at` a canonical ISO 8601 time, `reason` bounded and free of control
 * characters although it may quote the service's error text.
 */
export type Attribution =
  { found: true; by: string; at: string; from: number | null; to: number | null } | { found: false; reason: string };

/** The longest reason shown: longer than a name, since it may carry an error with its request ids. */
const REASON_LIMIT = 500;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isBudgetChangeTo(record: WireAuditRecord, live: number | null): boolean {
  if (record.operationType?.toLowerCase() !== BUDGET_CHANGE || record.operationStatus?.toLowerCase() !== "succeeded")
    return false;
  const to = auditAmount(record.resourceNewValue);
  return to !== undefined && sameAmount(to, live);
}

/**
 * Who made the change, as text fit to show: the user's name, else the
 * application's id when it is a GUID; any other application id is free text
 * nobody checked, so it is not shown.
 */
function actor(record: WireAuditRecord): string {
  const user = displayText(record.userPrincipalName ?? "").trim();
  if (user !== "") return user;
  const application = record.applicationId?.trim() ?? "";
  return GUID.test(application) ? `application ${application.toLowerCase()}` : "an application";
}

function isoDay(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

/** Why the log says nothing more: the credential may not read it, or reading stopped (after `pagesRead` pages) on `error`. */
function unreadableLog(error: unknown, pagesRead: number): string {
  if (error instanceof PartnerCenterStatusError && error.status === 403)
    return "the credential may not read the activity log (HTTP 403), so who changed it is not known";
  const message = error instanceof Error ? error.message : String(error);
  if (pagesRead === 0) return `the activity log could not be read: ${message}`;
  return `the activity log could not be read further (after ${pagesRead} page${pagesRead === 1 ? "" : "s"}): ${message}`;
}

/**
 * Attributes each drift (customer id → the amount Partner Center has) from the activity log.
 *
 * @param client - the Partner Center client
 * @param drifts - the drifted customers and their live amounts
 * @param now - the current time (ms)
 */
export async function attributeDrifts(
  client: PartnerCenterClient,
  drifts: ReadonlyMap<string, number | null>,
  now = Date.now(),
): Promise<Map<string, Attribution>> {
  const result = new Map<string, Attribution>();
  if (drifts.size === 0) return result;
  const window = { startDate: isoDay(now - (LOG_DAYS - 1) * 86_400_000), endDate: isoDay(now) };
  const newest = new Map<string, { record: WireAuditRecord; time: number }>();
  // The newest by date, wherever it stands on the page: the order of records is not trusted.
  const consider = (record: WireAuditRecord): void => {
    const customerId = record.customerId?.toLowerCase();
    if (!customerId || !drifts.has(customerId) || !isBudgetChangeTo(record, drifts.get(customerId)!)) return;
    // A date that is not one, or lies in the future, cannot say which change is the newest.
    const time = isoDateTime(record.operationDate);
    if (time === undefined || time > now + CLOCK_SKEW_MS) return;
    const best = newest.get(customerId);
    if (!best || time > best.time) newest.set(customerId, { record, time });
  };
  const operation = client.startOperation();
  let pagesRead = 0;
  let failure: string | undefined;
  try {
    // Each query with the drifts it can explain: one customer's, or all of them.
    const queries =
      drifts.size <= PER_CUSTOMER_QUERIES_UP_TO
        ? [...drifts.keys()].map((customerId) => ({
            customers: [customerId],
            query: {
              ...window,
              filter: { Field: "CustomerId" as const, Value: customerId, Operator: "equals" as const },
            },
          }))
        : [{ customers: [...drifts.keys()], query: window }];
    for (const { customers, query } of queries) {
      for await (const page of client.listAuditRecords(operation, query)) {
        pagesRead += 1;
        page.records.forEach(consider);
        // Pages come newest first, so no later page holds a newer change: stop once every drift is explained.
        // The page itself was read whole above, since the order within it is not trusted.
        if (customers.every((customerId) => newest.has(customerId))) break;
      }
    }
  } catch (error) {
    // What was found before the failure stands; the drifts not yet explained say why they are not.
    failure = unreadableLog(error, pagesRead);
  }
  for (const [customerId] of drifts) {
    const best = newest.get(customerId);
    result.set(
      customerId,
      best
        ? {
            found: true,
            by: actor(best.record),
            at: new Date(best.time).toISOString(),
            from: auditAmount(best.record.resourceOldValue) ?? null,
            to: auditAmount(best.record.resourceNewValue) ?? null,
          }
        : {
            found: false,
            reason: displayText(
              failure ??
                `the activity log shows no change to this amount in the last ${LOG_DAYS} days (it is older, or was made in a way the log does not show)`,
              REASON_LIMIT,
            ),
          },
    );
  }
  return result;
}

/** A budget amount in words: the number, or "no budget". */
export function amountText(amount: number | null | undefined): string {
  return amount === null || amount === undefined ? "no budget" : String(amount);
}

/** One attribution as a line: `changed by … on …, from … to …`, or why it is not known. */
export function describeAttribution(attribution: Attribution): string {
  if (!attribution.found) return attribution.reason;
  return `changed by ${attribution.by} on ${attribution.at}, from ${amountText(attribution.from)} to ${amountText(attribution.to)}`;
}
