/**
 * Partner Center's activity log (audit records), as the emulator keeps it:
 * every budget change it serves (through the API, or "in the portal" through
 * its hooks) becomes a record; `GET /v1/auditrecords` answers with dates, the
 * 90-day rule, the one-field filter and continuation pages
 * (shared/partner-center-api.md, "Activity log").
 */
import { randomUUID } from "node:crypto";
import { errorReply, ERROR_CODES, type EmulatorReply } from "./responses";

/** One audit record, as the service returns it. */
export interface AuditRecord {
  partnerId: string;
  customerId: string;
  customerName: string;
  userPrincipalName: string;
  applicationId: string;
  resourceType: string;
  resourceOldValue: string;
  resourceNewValue: string;
  operationType: string;
  operationDate: string;
  operationStatus: "succeeded" | "failed" | "progress";
  customizedData: { key: string; value: string }[];
  attributes: { objectType: "AuditRecord" };
}

/** Who made a change: a person in the portal, or an application through the API. */
export interface Actor {
  userPrincipalName?: string;
  applicationId?: string;
}

/** The operation type of a budget change. */
export const BUDGET_CHANGE = "update_customer_spending_budget";
const DAY_MS = 24 * 3600_000;
/** How far back records go. */
export const AUDIT_RETENTION_DAYS = 90;

/** The budget as the record's old/new value: JSON text, PascalCase as documented, no Amount for "no budget". */
function budgetDocument(amount: number | null): string {
  return JSON.stringify({
    ...(amount === null ? {} : { Amount: amount }),
    Attributes: { ObjectType: "SpendingBudget" },
  });
}

function day(text: string | null): number | undefined {
  if (text === null) return undefined;
  const time = Date.parse(`${text}T00:00:00Z`);
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && Number.isFinite(time) ? time : Number.NaN;
}

/** The activity log of one emulated partner. */
export class AuditLog {
  /** Every record, oldest first. */
  readonly records: AuditRecord[] = [];
  /** When true, the log answers 403, as for a credential that may not read it. */
  forbidden = false;
  /** When set, the log answers this server failure (500 or 503), as when the service cannot read it. */
  failWith: 500 | 503 | undefined = undefined;

  constructor(
    readonly partnerId: string,
    private readonly now: () => number,
  ) {}

  /** Records a budget change (or a failed attempt at one). */
  recordBudgetChange(
    customer: { id: string; companyName: string },
    before: number | null,
    after: number | null,
    actor: Actor,
    status: AuditRecord["operationStatus"] = "succeeded",
    at = this.now(),
  ): AuditRecord {
    return this.add({
      customerId: customer.id,
      customerName: customer.companyName,
      userPrincipalName: actor.userPrincipalName ?? "",
      applicationId: actor.applicationId ?? "Partner Center Web",
      resourceType: "customer",
      resourceOldValue: budgetDocument(before),
      resourceNewValue: budgetDocument(after),
      operationType: BUDGET_CHANGE,
      operationDate: new Date(at).toISOString(),
      operationStatus: status,
    });
  }

  /** Adds any record (other operation types, or a change long ago); missing fields take plain defaults. */
  add(record: Partial<AuditRecord> & Pick<AuditRecord, "customerId" | "operationType">): AuditRecord {
    const full: AuditRecord = {
      partnerId: this.partnerId,
      customerName: "",
      userPrincipalName: "",
      applicationId: "",
      resourceType: "customer",
      resourceOldValue: "",
      resourceNewValue: "",
      operationDate: new Date(this.now()).toISOString(),
      operationStatus: "succeeded",
      customizedData: [],
      attributes: { objectType: "AuditRecord" },
      ...record,
    };
    const last = this.records.at(-1);
    this.records.push(full);
    // Records mostly arrive in time order; a back-dated one (a test's "long ago") is sorted into place.
    if (last && last.operationDate > full.operationDate)
      this.records.sort((a, b) => a.operationDate.localeCompare(b.operationDate));
    return full;
  }

  /** `GET /v1/auditrecords?startDate&endDate&filter&size`, and its continuation pages (newest first). */
  query(url: URL, continuationToken: string | undefined): EmulatorReply {
    if (this.forbidden)
      return errorReply(403, 403, "The caller is not authorized to read the activity log of this partner.");
    if (this.failWith !== undefined)
      return errorReply(this.failWith, this.failWith, "The activity log could not be read right now.");
    const now = this.now();
    const start = day(url.searchParams.get("startDate"));
    const end = day(url.searchParams.get("endDate"));
    if (Number.isNaN(start) || Number.isNaN(end))
      return errorReply(400, ERROR_CODES.invalidInput, "startDate and endDate must be dates as yyyy-mm-dd.");
    const from = start ?? now - 30 * DAY_MS;
    if (from < now - AUDIT_RETENTION_DAYS * DAY_MS - DAY_MS)
      return errorReply(
        400,
        ERROR_CODES.invalidInput,
        `startDate must be within the last ${AUDIT_RETENTION_DAYS} days.`,
      );
    const until = end === undefined ? Number.POSITIVE_INFINITY : end + DAY_MS;
    const size = Number(url.searchParams.get("size") ?? 500);
    if (!Number.isInteger(size) || size < 1 || size > 500)
      return errorReply(400, ERROR_CODES.invalidInput, `Invalid page size ${url.searchParams.get("size")}.`);
    let matches: (record: AuditRecord) => boolean = () => true;
    const filterText = url.searchParams.get("filter");
    if (filterText !== null) {
      let filter: { Field?: unknown; Value?: unknown; Operator?: unknown };
      try {
        filter = JSON.parse(filterText) as typeof filter;
      } catch {
        return errorReply(400, ERROR_CODES.invalidInput, "filter is not valid JSON.");
      }
      const field = { CustomerId: "customerId", CompanyName: "customerName", ResourceType: "resourceType" }[
        String(filter.Field)
      ] as keyof AuditRecord | undefined;
      if (
        !field ||
        typeof filter.Value !== "string" ||
        (filter.Operator !== "equals" && filter.Operator !== "substring")
      ) {
        return errorReply(
          400,
          ERROR_CODES.invalidInput,
          'filter must be {"Field": "CustomerId" | "CompanyName" | "ResourceType", "Value": "...", "Operator": "equals" | "substring"}.',
        );
      }
      const value = filter.Value.toLowerCase();
      matches = (record) => {
        const actual = String(record[field]).toLowerCase();
        return filter.Operator === "equals" ? actual === value : actual.includes(value);
      };
    }
    const selected = this.records
      .filter((record) => {
        const time = Date.parse(record.operationDate);
        return time >= Math.max(from, now - AUDIT_RETENTION_DAYS * DAY_MS) && time < until && matches(record);
      })
      .reverse();
    let offset = 0;
    if (url.searchParams.get("seekOperation") === "Next") {
      const decoded = /^audit:(\d+)$/.exec(Buffer.from(continuationToken ?? "", "base64url").toString("utf8"));
      if (!decoded) return errorReply(400, ERROR_CODES.invalidInput, "The continuation token is missing or invalid.");
      offset = Number(decoded[1]);
    }
    const items = selected.slice(offset, offset + size);
    const nextOffset = offset + items.length;
    const next =
      nextOffset < selected.length
        ? {
            next: {
              uri: `/v1/auditrecords?${new URLSearchParams({ ...Object.fromEntries(url.searchParams), seekOperation: "Next" })}`,
              method: "GET",
              headers: [
                { key: "MS-ContinuationToken", value: Buffer.from(`audit:${nextOffset}`).toString("base64url") },
              ],
            },
          }
        : {};
    return {
      status: 200,
      body: { totalCount: items.length, items, links: next, attributes: { objectType: "Collection" } },
    };
  }
}

/** A partner id for an emulator that was given none. */
export function newPartnerId(): string {
  return randomUUID();
}
