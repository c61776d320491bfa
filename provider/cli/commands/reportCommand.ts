/** `partnercenter-budgets report`: every customer's budget beside its month-to-date spend, from one usage-records read. */
import { type Command, InvalidArgumentError, Option } from "commander";
import { createClient } from "../../runtime/runtime";
import { resolveSettings } from "../../settings/settings";
import { EXIT, EXIT_CODES_HELP, type ExitCode } from "../exitCodes";
import { out } from "../output";
import { readUsageRecords } from "../spendListing";
import { spendAsJson, spendAsMarkdown, spendAsText, spendFindings } from "../render/spendReport";

/** The report's formats and their renderers. */
const RENDERERS = { text: spendAsText, json: spendAsJson, markdown: spendAsMarkdown } as const;

/** The options commander hands the action. */
interface ReportOptions {
  format: keyof typeof RENDERERS;
  failOver?: number;
}

/** `--fail-over`: a percentage from 1 to 1,000,000. */
function percentage(value: string): number {
  const percent = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
  if (!(percent >= 1 && percent <= 1_000_000))
    throw new InvalidArgumentError("give a percentage from 1 to 1000000, e.g. 100.");
  return percent;
}

/**
 * Defines `report` on a command the program created (so it inherits the program's output and exit handling).
 *
 * @param command - `program.command("report")`
 * @param settle - receives the exit code when the work is over
 */
export function defineReportCommand(command: Command, settle: (code: ExitCode) => void): void {
  command
    .description(
      "every customer's budget, month-to-date spend, currency and % used, from one read (needs an App+User credential signed in with MFA)",
    )
    .addOption(
      new Option("-f, --format <format>", "the report's format").choices(Object.keys(RENDERERS)).default("text"),
    )
    .addOption(
      new Option(
        "--fail-over <percent>",
        "exit 1 when any customer has used more than this percentage of its budget (without it, a report that was read exits 0)",
      ).argParser(percentage),
    )
    .addHelpText(
      "after",
      `\nExamples:\n  partnercenter-budgets report\n  partnercenter-budgets report -f markdown >> "$GITHUB_STEP_SUMMARY"\n  partnercenter-budgets report --fail-over 100\n\n${EXIT_CODES_HELP}\n`,
    )
    .action(async (options: ReportOptions) => settle(await runReport(options)));
}

async function runReport(options: ReportOptions): Promise<ExitCode> {
  const settings = resolveSettings(undefined, process.env);
  const client = createClient(settings);
  try {
    // A refusal is one line, then exit 2 (runCli): nothing else is requested.
    const findings = spendFindings(await readUsageRecords(client, "report"));
    out(RENDERERS[options.format](findings));
    const limit = options.failOver;
    if (limit !== undefined && findings.rows.some((row) => row.percentUsed !== undefined && row.percentUsed > limit))
      return EXIT.drift;
    return EXIT.ok;
  } finally {
    await client.close();
  }
}
