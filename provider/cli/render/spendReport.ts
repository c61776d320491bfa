/**
 * `report`'s findings and their formats: every customer's budget beside its
 * month-to-date spend, marked when it has no budget, is past 80 % or past
 * 100 %. Everything from Partner Center is one bounded line fit to show
 * (names and currencies through {@link displayText}) and, in Markdown, inside
 * code spans, as `diffReport.ts` does.
 */
import type { WireUsageRecord } from "../../client/wire/spendWire";
import { MAX_PERCENT_USED } from "../../client/wire/spendWire";
import { displayText, markdownCode } from "../../shared/untrustedText";

/** The longest company name shown. */
const NAME_LIMIT = 100;
/** Above this percentage a customer is "near" its budget (Partner Center's first e-mail fires at 80 %). */
export const NEAR_PERCENT = 80;
/** Above this percentage a customer is "over" its budget. */
export const OVER_PERCENT = 100;

/** How a customer's spend stands against its budget. */
export type SpendMark = "no budget" | "over 100%" | "over 80%" | "";

/** One customer's line of the report. */
export interface SpendRow {
  readonly customerId: string;
  readonly name?: string;
  /** The budget; null for none, undefined when unreadable. */
  readonly budget?: number | null;
  readonly spend?: number;
  readonly currency?: string;
  /** Percentage of the budget used (can exceed 100); undefined without a budget above 0 or without spend. */
  readonly percentUsed?: number;
  readonly mark: SpendMark;
}

/** Every customer's row and the counts of each mark. */
export interface SpendFindings {
  readonly rows: readonly SpendRow[];
  readonly noBudget: number;
  readonly over80: number;
  readonly over100: number;
}

/** The percentage used: Partner Center's own when given, else spend over budget. */
function percentOf(record: WireUsageRecord): number | undefined {
  // Without a budget there is nothing to be a percentage of (Partner Center may still say 0).
  if (record.budget === null) return undefined;
  if (record.percentUsed !== undefined) return record.percentUsed;
  if (record.spend === undefined || typeof record.budget !== "number" || record.budget <= 0) return undefined;
  return Math.min(Math.round((record.spend / record.budget) * 10_000) / 100, MAX_PERCENT_USED);
}

function markOf(budget: number | null | undefined, percent: number | undefined): SpendMark {
  if (budget === null) return "no budget";
  if (percent === undefined) return "";
  if (percent > OVER_PERCENT) return "over 100%";
  return percent > NEAR_PERCENT ? "over 80%" : "";
}

/**
 * The report's findings from one usage-records read, ordered by percentage used (highest first), then name.
 *
 * @param records - every customer's usage record
 */
export function spendFindings(records: readonly WireUsageRecord[]): SpendFindings {
  const rows = records.map((record): SpendRow => {
    const percentUsed = percentOf(record);
    return {
      customerId: record.customerId,
      name: record.companyName === undefined ? undefined : displayText(record.companyName, NAME_LIMIT),
      budget: record.budget,
      spend: record.spend,
      currency: record.currency === undefined ? undefined : displayText(record.currency, 3),
      percentUsed,
      mark: markOf(record.budget, percentUsed),
    };
  });
  rows.sort(
    (a, b) =>
      (b.percentUsed ?? -1) - (a.percentUsed ?? -1) ||
      (a.name ?? "").localeCompare(b.name ?? "") ||
      a.customerId.localeCompare(b.customerId),
  );
  const count = (mark: SpendMark): number => rows.filter((row) => row.mark === mark).length;
  return { rows, noBudget: count("no budget"), over80: count("over 80%"), over100: count("over 100%") };
}

/** "12 customers: 2 over 100 %, 1 over 80 %, 3 without a budget". */
export function spendSummary(findings: SpendFindings): string {
  return `${findings.rows.length} customers: ${findings.over100} over 100%, ${findings.over80} over 80%, ${findings.noBudget} without a budget`;
}

function money(value: number | null | undefined): string {
  if (value === null) return "none";
  return value === undefined ? "unknown" : value.toFixed(2);
}

function percentText(row: SpendRow): string {
  return row.percentUsed === undefined ? "" : `${row.percentUsed.toFixed(1)}%`;
}

/** One aligned line per customer, then the summary. */
export function spendAsText(findings: SpendFindings): string {
  const lines = findings.rows.map((row) => {
    const flag =
      row.mark === "over 100%" ? "!!" : row.mark === "over 80%" ? "! " : row.mark === "no budget" ? "- " : "  ";
    const who = `${row.customerId}${row.name ? ` (${row.name})` : ""}`;
    const spent = `spent ${money(row.spend)}${row.currency ? ` ${row.currency}` : ""}`;
    const against =
      row.budget === null
        ? ", no budget"
        : ` of ${money(row.budget)}${row.percentUsed === undefined ? "" : ` (${percentText(row)})`}`;
    return `${flag} ${who}: ${spent}${against}${row.mark && row.mark !== "no budget" ? ` — ${row.mark}` : ""}`;
  });
  return `${[...lines, spendSummary(findings)].join("\n")}\n`;
}

/** A heading, the summary and one table, for a GitHub job summary or an Azure DevOps summary. */
export function spendAsMarkdown(findings: SpendFindings): string {
  const lines = ["### Month-to-date spend against budgets", "", spendSummary(findings), ""];
  if (findings.rows.length > 0) {
    lines.push("| customer | budget | spent | currency | used | mark |", "| --- | ---: | ---: | --- | ---: | --- |");
    for (const row of findings.rows) {
      const who = `${row.name ? `${markdownCode(row.name)} ` : ""}${markdownCode(row.customerId)}`;
      lines.push(
        `| ${who} | ${money(row.budget)} | ${money(row.spend)} | ${row.currency ? markdownCode(row.currency) : ""} | ${percentText(row)} | ${row.mark ? `**${row.mark}**` : ""} |`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

/** The findings as JSON (strings escaped by JSON itself, each already bounded and one line). */
export function spendAsJson(findings: SpendFindings): string {
  const { noBudget, over80, over100 } = findings;
  return `${JSON.stringify({ customers: findings.rows.length, noBudget, over80, over100, rows: findings.rows.map((row) => ({ ...row, budget: row.budget ?? null, mark: row.mark || null })) }, null, 2)}\n`;
}
