/**
 * `export --with-spend`: the YAML comment put beside each amount, saying the
 * customer's month-to-date spend and how much of the budget it is. For
 * reviewers only: comments are never read back as data. Everything in it
 * from Partner Center is a number (clamped when read, formatted here) or a
 * currency checked to be three capital letters, so nothing from the server
 * can end the comment or add YAML to the file.
 */
import type { BudgetEntry } from "../../gitops/budgetsFile";
import type { WireUsageRecord } from "../../client/wire/spendWire";
import { spendOutputs } from "../../resource/spend";

/** How every spend comment begins: `export --update --with-spend` replaces a comment beside an amount only when it begins so. */
export const SPEND_COMMENT_PREFIX = "month-to-date spend";

/** An ISO 4217 code as the wire reader keeps it; checked again here, since the comment is only as safe as what goes in. */
const CURRENCY = /^[A-Z]{3}$/;

/** A clamped, finite amount to the cent; anything else is not shown as a number. */
function money(value: number): string | undefined {
  return Number.isFinite(value) && value >= 0 ? value.toFixed(2) : undefined;
}

/**
 * The comment for one customer (without the `# `).
 *
 * @param record - the customer's usage record; undefined when the listing did not name the customer
 * @param amount - the budget written beside the comment; null for none
 */
export function spendComment(record: WireUsageRecord | undefined, amount: number | null): string {
  if (record === undefined)
    return `${SPEND_COMMENT_PREFIX} unknown: Partner Center's usage records do not list this customer`;
  // The percentage is of the amount in the file, not of the budget the usage record names (read at another moment).
  const outputs = spendOutputs(record, amount);
  const spent = outputs.spend === undefined ? undefined : money(outputs.spend);
  if (spent === undefined)
    return `${SPEND_COMMENT_PREFIX} unknown: Partner Center's usage record gives no readable amount`;
  const currency =
    outputs.currency !== undefined && CURRENCY.test(outputs.currency) ? outputs.currency : "(currency unknown)";
  const head = `${SPEND_COMMENT_PREFIX} ${spent} ${currency}`;
  if (amount === null) return `${head}; no budget`;
  const percent = outputs.percentUsed;
  if (percent === undefined || !Number.isFinite(percent)) return `${head}; the budget is 0`;
  return `${head}, ${percent.toFixed(1)} % of the budget`;
}

/**
 * Each entry's spend comment, from one usage-records listing.
 *
 * @param records - every customer's usage record
 */
export function spendCommentsFrom(records: readonly WireUsageRecord[]): (entry: BudgetEntry) => string {
  const byCustomer = new Map(records.map((record) => [record.customerId, record]));
  return (entry) => spendComment(byCustomer.get(entry.customerId), entry.amount);
}
