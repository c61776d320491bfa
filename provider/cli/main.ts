#!/usr/bin/env node
/**
 * `partnercenter-budgets`: onboard existing budgets (`export`) and check a
 * budgets file against Partner Center without a stack (`diff`). Settings and
 * credentials come from the environment, as for the provider.
 */
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { formatBudgetsFile, readBudgetsFile } from "../budgetsFile";
import { createClient } from "../runtime";
import { redactSecrets } from "../secret";
import { PartnerCenterError, type ErrorCode } from "../errors";
import { resolveSettings } from "../settings";
import { attributeDrifts } from "../attribution";
import { displayLines, displayText, guardWorkflowCommands } from "../untrustedText";
import { diffBudgets } from "./diffBudgets";
import { diffAsJson, diffAsMarkdown, diffAsText } from "./diffReport";
import { exitWhenDone } from "./exitWhenDone";
import { exportBudgets } from "./exportBudgets";

const USAGE = `usage:
  partnercenter-budgets export [--output FILE] [--format yaml|json] [--page-size N]
      writes every customer's current budget as a budgets file that, declared as is, changes nothing
  partnercenter-budgets diff FILE [--format text|json|markdown]
      compares a budgets file with live Partner Center and names, from the activity log, who changed each drifted
      budget, when and from what; exit 1 when a budget drifted
settings (environment): PARTNERCENTER_ENDPOINT, PARTNERCENTER_ACCESS_TOKEN, PARTNERCENTER_MAX_CONCURRENCY, ...
exit codes: 0 ok (no drift), 1 drift or customers that failed, 2 bad usage, settings or file`;

/**
 * Standard output, with every secret value the process holds redacted (a server may echo one), and no line that a
 * CI runner would take for a workflow command.
 */
function out(text: string): void {
  process.stdout.write(guardWorkflowCommands(redactSecrets(text)));
}

/** Standard error, redacted and guarded as {@link out}, each line freed of control characters (messages quote servers and files). */
function err(text: string): void {
  process.stderr.write(guardWorkflowCommands(displayLines(text.replace(/\n$/, ""))) + (text.endsWith("\n") ? "\n" : ""));
}

/**
 * A file's contents on standard output (`export` without `--output`): redacted, otherwise byte for byte what
 * `--output` would write. Every value in it was made one line fit to show when it was read, so no line of it can
 * start a workflow command; guarding would change the data.
 */
function outData(text: string): void {
  process.stdout.write(redactSecrets(text));
}

/** Thrown for a usage mistake: exit 2 with the usage. */
class UsageError extends PartnerCenterError {
  constructor(message: string) {
    super("PC_ERR_USAGE", message);
  }
}

/** Codes that mean "what you gave cannot be used": exit 2 with the message. */
const INPUT_CODES: ReadonlySet<string> = new Set<ErrorCode>(["PC_ERR_SETTING", "PC_ERR_BUDGETS_FILE", "PC_ERR_UNREADABLE_FILE"]);

async function runExport(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { output: { type: "string" }, format: { type: "string" }, "page-size": { type: "string" } } });
  const format = values.format ?? (values.output?.endsWith(".json") ? "json" : "yaml");
  if (format !== "yaml" && format !== "json") throw new UsageError(`--format must be yaml or json, not ${JSON.stringify(format)}`);
  const pageSize = values["page-size"] === undefined ? undefined : Number(values["page-size"]);
  if (pageSize !== undefined && !(Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= 1000)) throw new UsageError(`--page-size must be a whole number from 1 to 1000`);
  const client = createClient(resolveSettings(undefined, process.env));
  try {
    const { entries, failures, listed } = await exportBudgets(client, (line) => err(`export: ${line}\n`), pageSize);
    if (failures.length > 0 || entries.length !== listed) {
      // An incomplete export must never replace a reviewed file: with onDelete "clear", the customers it leaves out would be cleared.
      for (const { customer, message } of failures) err(`export: customer ${displayText(customer.id, 64)} (${displayText(customer.companyName ?? "no name", 100)}) could not be exported: ${displayText(message, 500)}\n`);
      // Counted as every listed customer not exported: one customer may have several problems, an id may be listed twice.
      err(`export: ${listed - entries.length} of ${listed} customers could not be exported; nothing was written${values.output ? ` (${values.output} is unchanged)` : ""}. Fix or retry, then export again.\n`);
      return 1;
    }
    const header = [
      `Customer usage budgets exported from ${client.endpoint} on ${new Date().toISOString()} by partnercenter-budgets export.`,
      "Declared as is (new UsageBudgetSet(\"budgets\", { file })), the first pulumi up changes no budget.",
    ];
    const text = formatBudgetsFile(entries, format, header);
    if (values.output) {
      writeAtomically(values.output, text);
      err(`export: wrote ${entries.length} budgets to ${values.output}\n`);
    } else {
      outData(text);
    }
    return 0;
  } finally {
    await client.close();
  }
}

/** Writes a file whole or not at all: a temporary file beside it, then a rename over it. */
function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.partial`;
  try {
    writeFileSync(temporary, text, { flag: "wx" });
    renameSync(temporary, path);
  } finally {
    rmSync(temporary, { force: true });
  }
}

async function runDiff(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { format: { type: "string" } } });
  if (positionals.length !== 1) throw new UsageError("diff takes one budgets file");
  const format = values.format ?? "text";
  if (format !== "text" && format !== "json" && format !== "markdown") throw new UsageError(`--format must be text, json or markdown, not ${JSON.stringify(format)}`);
  const entries = readBudgetsFile(positionals[0]!);
  const client = createClient(resolveSettings(undefined, process.env));
  try {
    const drifts = await diffBudgets(client, entries);
    const drifted = new Map(drifts.filter((drift) => drift.error === undefined).map((drift) => [drift.entry.customerId, drift.live ?? null]));
    const findings = { checked: entries.length, drifts, attributions: await attributeDrifts(client, drifted) };
    out(format === "json" ? diffAsJson(findings) : format === "markdown" ? diffAsMarkdown(findings) : diffAsText(findings));
    return drifts.length > 0 ? 1 : 0;
  } finally {
    await client.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === "export") return await runExport(rest);
    if (command === "diff") return await runDiff(rest);
    if (command === "--help" || command === "-h" || command === "help") {
      out(`${USAGE}\n`);
      return 0;
    }
    throw new UsageError(command ? `unknown command ${JSON.stringify(command)}` : "a command is required");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    // PC_ERR_USAGE ours; ERR_PARSE_ARGS_* Node's parseArgs (an unknown or malformed option).
    if (code === "PC_ERR_USAGE" || (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS"))) {
      err(`partnercenter-budgets: ${(error as Error).message}\n${USAGE}\n`);
      return 2;
    }
    if (typeof code === "string" && INPUT_CODES.has(code)) {
      err(`partnercenter-budgets: ${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
}

exitWhenDone(main(process.argv.slice(2)), (error) => {
  err(`partnercenter-budgets: ${(error as Error).message}\n`);
  return 2;
});
