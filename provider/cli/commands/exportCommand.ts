/** `partnercenter-budgets export`: every customer's current budget as a budgets file, or a reviewed file brought up to date. */
import { type Command, InvalidArgumentError, Option } from "commander";
import { readBoundedFile } from "../../shared/boundedFile";
import {
  formatBudgetsFile,
  MAX_BUDGETS_FILE_BYTES,
  parseBudgetsText,
  type AmountComment,
} from "../../gitops/budgetsFile";
import type { PartnerCenterClient } from "../../client/partnerCenter";
import { relativePathBase } from "../../shared/paths";
import { createClient } from "../../runtime/runtime";
import { resolveSettings } from "../../settings/settings";
import type { BudgetsSlice } from "../../gitops/shards";
import { displayText } from "../../shared/untrustedText";
import { EXIT, EXIT_CODES_HELP, type ExitCode } from "../exitCodes";
import { exportBudgets, type ExportResult } from "../exportBudgets";
import { checkOutputTarget, writeAtomically } from "../outputFile";
import { err, outData } from "../output";
import { SPEND_COMMENT_PREFIX, spendCommentsFrom } from "../render/spendComments";
import { readUsageRecords } from "../spendListing";
import { addSliceOptions, describeSlice, sliceFlags, sliceOf, type SliceOptions } from "../sliceOptions";
import { type BudgetsUpdate, updateBudgetsText } from "../updateBudgetsText";
import { BudgetsFileError, ConcurrentEditError, UnreadableFileError, UsageError } from "../../shared/errors";

/** The options commander hands the action. */
interface ExportOptions extends SliceOptions {
  output?: string;
  update?: string;
  force?: boolean;
  format?: "yaml" | "json";
  pageSize?: number;
  withSpend?: boolean;
}

/** `--page-size`: a whole number from 1 to 1000. */
function pageSize(value: string): number {
  const size = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(size >= 1 && size <= 1000)) throw new InvalidArgumentError("give a whole number from 1 to 1000.");
  return size;
}

/**
 * Defines `export` on a command the program created (so it inherits the program's output and exit handling).
 *
 * @param command - `program.command("export")`
 * @param settle - receives the exit code when the work is over
 */
export function defineExportCommand(command: Command, settle: (code: ExitCode) => void): void {
  command
    .description("write every customer's current budget as a budgets file that, declared as is, changes nothing")
    .addOption(
      new Option(
        "-o, --output <file>",
        "write the budgets file here (standard output without it); an existing file needs --force",
      ),
    )
    .addOption(
      new Option(
        "-u, --update <file>",
        "update a reviewed budgets file in place: amounts rewritten where they changed, new customers appended, comments, names and onDelete kept",
      ).conflicts(["output", "format"]),
    )
    .addOption(new Option("--force", "with --output: replace an existing file"))
    .addOption(
      new Option(
        "-f, --format <format>",
        "the file's format (default: json for an --output ending in .json, else yaml)",
      ).choices(["yaml", "json"]),
    )
    .addOption(new Option("--page-size <n>", "customers per page of the customer list, 1 to 1000").argParser(pageSize))
    .addOption(
      new Option(
        "--with-spend",
        "beside each amount, a YAML comment with the customer's month-to-date spend, currency and % of the budget, from one usage-records read (YAML only; needs an App+User credential signed in with MFA)",
      ),
    );
  addSliceOptions(command, {
    verb: "export only the customers",
    note: `Every customer is listed, but only the slice's budgets are read, and the file written holds only the slice's
customers: it is not a whole budgets file. Declare it with the same slice, or keep a whole file's slice up to date
with --update, which leaves the file's customers outside the slice as they are (never "no longer listed").
Not with --force: replacing a file with a slice of it would drop the other customers.`,
  })
    .addHelpText(
      "after",
      `\nExamples:\n  partnercenter-budgets export -o budgets.yaml\n  partnercenter-budgets export --update budgets.yaml\n  partnercenter-budgets export -f json > budgets.json\n  partnercenter-budgets export --with-spend -o budgets.yaml\n  partnercenter-budgets export --update budgets.yaml --shard 2/4    # only shard { index: 2, count: 4 }'s customers\n\n${EXIT_CODES_HELP}\n`,
    )
    .action(async (options: ExportOptions) => settle(await runExport(options)));
}

/** A reviewed file's text, checked against the file rules (and, with spend, to be YAML) before anything is requested. */
function readReviewedFile(path: string, withSpend: boolean): string {
  let text: string;
  try {
    text = readBoundedFile(path, MAX_BUDGETS_FILE_BYTES);
  } catch (error) {
    if (!(error instanceof UnreadableFileError)) throw error;
    const missing = error.reason.includes("ENOENT")
      ? "; --update changes an existing file: use --output to create one"
      : "";
    throw new BudgetsFileError([`--update ${path}: ${error.reason}${relativePathBase(path)}${missing}`]);
  }
  // Its problems are reported now, before any request, with their lines.
  parseBudgetsText(text, path);
  if (withSpend && (path.endsWith(".json") || /^\s*[[{]/.test(text))) {
    throw new UsageError(
      `--with-spend cannot be used with --update ${path}: it is JSON (or one YAML […] or {…}), where no comment can go beside an amount; leave out --with-spend, or keep the budgets as a YAML list of entries`,
    );
  }
  return text;
}

async function runExport(options: ExportOptions): Promise<ExitCode> {
  if (options.force && options.output === undefined)
    throw new UsageError("--force goes with --output: it allows replacing an existing file");
  const slice = sliceOf(options);
  if (slice && options.force) {
    throw new UsageError(
      `--force with ${sliceFlags(slice)} would replace ${options.output} with only the slice's customers, dropping the others: use --update ${options.output} to bring the slice's customers up to date and keep the others, or --output a new file`,
    );
  }
  if (options.output !== undefined) checkOutputTarget(options.output, options.force === true);
  const format = options.format ?? (options.output?.endsWith(".json") ? "json" : "yaml");
  if (options.withSpend && options.update === undefined && format === "json") {
    const how = options.format === undefined ? `--output ${options.output} (a .json file)` : "--format json";
    throw new UsageError(
      `--with-spend cannot be used with ${how}: spend is written as YAML comments, and JSON has none; export YAML (--format yaml, or an --output not ending in .json) or leave out --with-spend`,
    );
  }
  const reviewed =
    options.update === undefined ? undefined : readReviewedFile(options.update, options.withSpend === true);
  const settings = resolveSettings(undefined, process.env);
  const client = createClient(settings);
  try {
    // Spend first: a credential that cannot read it fails the command with one line before the customers are read.
    const comment = options.withSpend ? spendCommentsFrom(await readUsageRecords(client, "export")) : undefined;
    const result = await exportBudgets(client, (line) => err(`export: ${line}\n`), {
      pageSize: options.pageSize,
      concurrency: settings.maxConcurrency,
      ...(slice ? { slice } : {}),
    });
    const target = options.output ?? options.update;
    if (reportFailures(result, target, slice)) return EXIT.couldNotCheck;
    if (options.update !== undefined && reviewed !== undefined)
      return writeUpdate(options.update, reviewed, result, { comment, slice });
    const header = [...exportHeader(client, result, slice), ...(comment === undefined ? [] : SPEND_HEADER)];
    const text = formatBudgetsFile(result.entries, format, header, comment);
    const what = `${result.entries.length} budgets${slice ? ` (${describeSlice(slice)}: ${result.entries.length} of the ${result.listedInAll} customers)` : ""}`;
    if (options.output === undefined) {
      outData(text);
    } else {
      writeAtomically(options.output, text);
      err(`export: wrote ${what} to ${options.output}\n`);
    }
    return EXIT.ok;
  } finally {
    await client.close();
  }
}

/** Names every customer that could not be exported; true when there was one (then nothing is written). */
function reportFailures(
  { entries, failures, listed }: ExportResult,
  target: string | undefined,
  slice: BudgetsSlice | undefined,
): boolean {
  if (failures.length === 0 && entries.length === listed) return false;
  // An incomplete export must never replace a reviewed file: with onDelete "clear", the customers it leaves out would be cleared.
  for (const { customer, message } of failures)
    err(
      `export: customer ${displayText(customer.id, 64)} (${displayText(customer.companyName ?? "no name", 100)}) could not be exported: ${displayText(message, 500)}\n`,
    );
  // Counted as every listed customer not exported: one customer may have several problems, an id may be listed twice.
  err(
    `export: ${listed - entries.length} of ${listed} customers${slice ? ` in ${describeSlice(slice)}` : ""} could not be exported; nothing was written${target ? ` (${target} is unchanged)` : ""}. Fix or retry, then export again.\n`,
  );
  return true;
}

/** With spend: how many comments were written, and which entries have none and why. */
function spendSummary({ comments }: BudgetsUpdate): string {
  if (comments === undefined) return "";
  const without = [
    comments.besideReviewers > 0
      ? `${count(comments.besideReviewers, "amount")} with a reviewer's comment beside it, which was kept`
      : "",
    comments.flow > 0
      ? `${comments.flow} ${comments.flow === 1 ? "entry" : "entries"} written as {…}, where a comment cannot go`
      : "",
  ].filter(Boolean);
  return `; spend comments beside ${count(comments.written, "amount")}${without.length > 0 ? `, none beside ${without.join(" nor ")}` : ""}`;
}

/** "1 amount", "2 amounts". */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** Said on top of a file exported with spend, so that a reviewer knows what the comments are and are not. */
const SPEND_HEADER = [
  `Beside each amount, "# ${SPEND_COMMENT_PREFIX} …": the customer's spend so far this month, from Partner Center's usage records at export time.`,
  "For review only: comments are never read as data; export --update --with-spend refreshes them.",
];

function exportHeader(
  client: PartnerCenterClient,
  { entries, listedInAll }: ExportResult,
  slice: BudgetsSlice | undefined,
): string[] {
  const header = [
    `Customer usage budgets exported from ${client.endpoint} on ${new Date().toISOString()} by partnercenter-budgets export.`,
    'Declared as is (new UsageBudgetSet("budgets", { file })), the first pulumi up changes no budget.',
  ];
  if (!slice) return header;
  // Said in the file itself: declared alone where every customer was, it would release the others.
  return [
    ...header,
    `ONLY ${describeSlice(slice)} (${sliceFlags(slice)}): ${entries.length} of the ${listedInAll} customers Partner Center listed; not a whole budgets file.`,
    "Declare it with the same slice, or keep a whole file up to date with export --update and the slice.",
  ];
}

/** `--update`: the reviewed file with new amounts and customers (and spend comments, when given), written only when something changed. */
function writeUpdate(
  path: string,
  reviewed: string,
  { entries }: ExportResult,
  { comment, slice }: { comment: AmountComment | undefined; slice: BudgetsSlice | undefined },
): ExitCode {
  const update = updateBudgetsText(reviewed, path, entries, {
    ...(comment ? { comment } : {}),
    ...(slice ? { slice } : {}),
  });
  const outside = slice
    ? `; ${count(update.outside, "customer")} of the file outside ${describeSlice(slice)} left as they were`
    : "";
  for (const entry of update.gone) {
    err(
      `export: customer ${entry.customerId}${entry.name ? ` (${displayText(entry.name, 100)})` : ""} is in ${path} but Partner Center no longer lists it; it was kept: remove it after review\n`,
    );
  }
  if (update.text === reviewed) {
    err(
      `export: ${path} is up to date (${entries.length} budgets${slice ? ` in ${describeSlice(slice)}` : ""}); it was not rewritten${outside}\n`,
    );
    return EXIT.ok;
  }
  // Review work done while Partner Center was read is not overwritten: the file must still be what was read.
  if (readBoundedFile(path, MAX_BUDGETS_FILE_BYTES) !== reviewed) {
    throw new ConcurrentEditError(
      `${path} changed while export read Partner Center; it was not rewritten, so that no edit is lost: run export --update again`,
    );
  }
  writeAtomically(path, update.text);
  err(
    `export: updated ${path}: ${count(update.updated.length, "amount")} changed, ${count(update.added.length, "customer")} added, ${update.gone.length} no longer listed (kept)${outside}${spendSummary(update)}\n`,
  );
  return EXIT.ok;
}
