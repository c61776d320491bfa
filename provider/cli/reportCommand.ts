/** `partnercenter-budgets report`: every customer's budget beside its month-to-date spend, from one usage-records read. */
import { type Command, InvalidArgumentError, Option } from "commander";
import { MFA_REQUIRED, PartnerCenterStatusError } from "../client/errors";
import { createClient } from "../runtime";
import { resolveSettings } from "../settings";
import { EXIT, EXIT_CODES_HELP, type ExitCode } from "./exitCodes";
import { out } from "./output";
import { spendAsJson, spendAsMarkdown, spendAsText, spendFindings } from "./spendReport";

/** The report's formats and their renderers. */
const RENDERERS = { text: spendAsText, json: spendAsJson, markdown: spendAsMarkdown } as const;

/** What the CLI needs for spend, in its own words (environment variables). */
const HOW_TO = "set PARTNERCENTER_REFRESH_TOKEN to a refresh token from a sign-in with MFA, with PARTNERCENTER_TENANT_ID, PARTNERCENTER_CLIENT_ID and PARTNERCENTER_CLIENT_SECRET (docs/spend.md)";

/** The options commander hands the action. */
interface ReportOptions {
  format: keyof typeof RENDERERS;
  failOver?: number;
}

/** `--fail-over`: a percentage from 1 to 1,000,000. */
function percentage(value: string): number {
  const percent = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
  if (!(percent >= 1 && percent <= 1_000_000)) throw new InvalidArgumentError("give a percentage from 1 to 1000000, e.g. 100.");
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
    .description("every customer's budget, month-to-date spend, currency and % used, from one read (needs an App+User credential signed in with MFA)")
    .addOption(new Option("-f, --format <format>", "the report's format").choices(Object.keys(RENDERERS)).default("text"))
    .addOption(new Option("--fail-over <percent>", "exit 1 when any customer has used more than this percentage of its budget (without it, a report that was read exits 0)").argParser(percentage))
    .addHelpText(
      "after",
      `\nExamples:\n  partnercenter-budgets report\n  partnercenter-budgets report -f markdown >> "$GITHUB_STEP_SUMMARY"\n  partnercenter-budgets report --fail-over 100\n\n${EXIT_CODES_HELP}\n`,
    )
    .action(async (options: ReportOptions) => settle(await runReport(options)));
}

/** Why spend could not be read, in one line; a refused credential says what Partner Center needs. */
export function describeReportFailure(error: unknown): string {
  if (error instanceof PartnerCenterStatusError && error.status === 401 && error.serviceCode === MFA_REQUIRED) {
    return `report: Partner Center needs an App+User token from a sign-in with MFA (code ${MFA_REQUIRED}); this one's sign-in did not use MFA: obtain PARTNERCENTER_REFRESH_TOKEN again, signing in with MFA`;
  }
  if (error instanceof PartnerCenterStatusError && (error.status === 401 || error.status === 403)) {
    return `report: spend needs an App+User credential signed in with MFA; Partner Center refused this one (HTTP ${error.status}${error.serviceCode ? `, code ${error.serviceCode}` : ""}): ${HOW_TO}`;
  }
  return `report: month-to-date spend could not be read: ${error instanceof Error ? error.message : String(error)}`;
}

async function runReport(options: ReportOptions): Promise<ExitCode> {
  const settings = resolveSettings(undefined, process.env);
  const client = createClient(settings);
  try {
    let records;
    try {
      records = await client.listUsageRecords();
    } catch (error) {
      // One line, then exit 2 (runCli): nothing else is requested.
      throw new Error(describeReportFailure(error), { cause: error });
    }
    const findings = spendFindings(records);
    out(RENDERERS[options.format](findings));
    const limit = options.failOver;
    if (limit !== undefined && findings.rows.some((row) => row.percentUsed !== undefined && row.percentUsed > limit)) return EXIT.drift;
    return EXIT.ok;
  } finally {
    await client.close();
  }
}
