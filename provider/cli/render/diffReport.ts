/**
 * `diff`'s report in each of its formats. Everything in it that came from
 * outside is one bounded line fit to show (names from the budgets file and
 * error text through {@link displayText} here; the activity log's fields as
 * `attributeDrifts` gives them) and, in Markdown, inside code spans: a field can neither start a line, nor
 * end a table row, nor become a heading, link, image or HTML.
 */
import { amountText, describeAttribution, type Attribution } from "../../gitops/attribution";
import { displayText, markdownCode } from "../../shared/untrustedText";
import type { BudgetsSlice } from "../../gitops/shards";
import type { BudgetDrift } from "../diffBudgets";
import { describeSlice } from "../sliceOptions";

/** The longest error text shown per customer. */
const ERROR_LIMIT = 500;
/** The longest name shown per customer. */
const NAME_LIMIT = 100;

/** The slice of the file a `diff` checked (`--shard`, `--customer-ids`). */
export interface CheckedSlice {
  /** The slice, as checked. */
  readonly slice: BudgetsSlice;
  /** Budgets in the whole file. */
  readonly customersInFile: number;
}

/** What one `diff` found. */
export interface DiffFindings {
  /** Budgets checked: the file's, or its slice's. */
  readonly checked: number;
  /** The slice checked, when not the whole file. */
  readonly slice?: CheckedSlice;
  /** Drifted or unreadable budgets, in file order. */
  readonly drifts: readonly BudgetDrift[];
  /** Who changed each drifted budget, by customer id. */
  readonly attributions: ReadonlyMap<string, Attribution>;
}

function failedCount(findings: DiffFindings): number {
  return findings.drifts.filter((drift) => drift.error !== undefined).length;
}

/** "3 of 40 budgets drifted, 1 could not be read"; for a slice, first "shard 1/4, 40 of the file's 160 customers: ". */
export function diffSummary(findings: DiffFindings): string {
  const failed = failedCount(findings);
  const slice = findings.slice
    ? `${describeSlice(findings.slice.slice)}, ${findings.checked} of the file's ${findings.slice.customersInFile} customers: `
    : "";
  return `${slice}${findings.drifts.length - failed} of ${findings.checked} budgets drifted${failed ? `, ${failed} could not be read` : ""}`;
}

function nameOf(drift: BudgetDrift): string | undefined {
  return drift.entry.name === undefined ? undefined : displayText(drift.entry.name, NAME_LIMIT);
}

/** One line per drifted or unreadable budget, then the summary. */
export function diffAsText(findings: DiffFindings): string {
  const lines = findings.drifts.map((drift) => {
    const name = nameOf(drift);
    const who = `${drift.entry.customerId}${name ? ` (${name})` : ""}`;
    if (drift.error !== undefined) return `! ${who}: could not be read: ${displayText(drift.error, ERROR_LIMIT)}`;
    const attribution = findings.attributions.get(drift.entry.customerId);
    const by = attribution ? ` — ${describeAttribution(attribution)}` : "";
    return `~ ${who}: declared ${amountText(drift.entry.amount)}, Partner Center has ${amountText(drift.live)}${by}`;
  });
  return `${[...lines, diffSummary(findings)].join("\n")}\n`;
}

/** A heading, the summary and a table, for a GitHub job summary or a pull-request comment. */
export function diffAsMarkdown(findings: DiffFindings): string {
  const lines = ["### Budget drift", "", diffSummary(findings), ""];
  if (findings.drifts.length > 0) {
    lines.push(
      "| customer | declared | Partner Center has | changed by | when | from → to |",
      "| --- | --- | --- | --- | --- | --- |",
    );
    for (const drift of findings.drifts) {
      const name = nameOf(drift);
      const who = `${name ? `${markdownCode(name)} ` : ""}${markdownCode(drift.entry.customerId)}`;
      const declared = amountText(drift.entry.amount);
      const attribution = findings.attributions.get(drift.entry.customerId);
      if (drift.error !== undefined)
        lines.push(
          `| ${who} | ${declared} | could not be read | | | ${markdownCode(displayText(drift.error, ERROR_LIMIT))} |`,
        );
      else if (attribution?.found)
        lines.push(
          `| ${who} | ${declared} | ${amountText(drift.live)} | ${markdownCode(attribution.by)} | ${markdownCode(attribution.at)} | ${amountText(attribution.from)} → ${amountText(attribution.to)} |`,
        );
      else
        lines.push(
          `| ${who} | ${declared} | ${amountText(drift.live)} | unknown | | ${markdownCode(attribution?.reason ?? "")} |`,
        );
    }
  }
  return `${lines.join("\n")}\n`;
}

/** The findings as JSON (strings escaped by JSON itself; each bounded and redacted). */
export function diffAsJson(findings: DiffFindings): string {
  const drifted = findings.drifts.filter((drift) => drift.error === undefined);
  const unreadable = findings.drifts.filter((drift) => drift.error !== undefined);
  const attributionOf = (customerId: string): Attribution | undefined => findings.attributions.get(customerId);
  return `${JSON.stringify(
    {
      checked: findings.checked,
      ...(findings.slice
        ? {
            slice: {
              ...findings.slice.slice,
              description: describeSlice(findings.slice.slice),
              customersInFile: findings.slice.customersInFile,
            },
          }
        : {}),
      drifted: drifted.map((d) => ({
        customerId: d.entry.customerId,
        name: nameOf(d),
        declared: d.entry.amount,
        live: d.live ?? null,
        attribution: attributionOf(d.entry.customerId),
      })),
      unreadable: unreadable.map((d) => ({
        customerId: d.entry.customerId,
        name: nameOf(d),
        error: displayText(d.error ?? "", ERROR_LIMIT),
      })),
    },
    null,
    2,
  )}\n`;
}
