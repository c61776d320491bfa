/**
 * The command line's shape: its commands (one module each), help, typo
 * suggestions, and the exit code every way of ending maps to.
 */
import { Command, CommanderError } from "commander";
import { hasCode } from "../shared/errors";
import { defineDiffCommand } from "./commands/diffCommand";
import { EXIT, EXIT_CODES_HELP, type ExitCode } from "./exitCodes";
import { defineExportCommand } from "./commands/exportCommand";
import { err } from "./output";
import { defineReportCommand } from "./commands/reportCommand";

/** Codes that mean "what you gave cannot be used": nothing was requested (exit 3). */
const INPUT_CODES = [
  "PC_ERR_USAGE",
  "PC_ERR_SETTING",
  "PC_ERR_BUDGETS_FILE",
  "PC_ERR_BUDGETS_SLICE",
  "PC_ERR_UNREADABLE_FILE",
] as const;

const SETTINGS_HELP = `Settings and credentials come from the environment: PARTNERCENTER_ENDPOINT, PARTNERCENTER_ACCESS_TOKEN
(or PARTNERCENTER_TENANT_ID and PARTNERCENTER_CLIENT_ID with a secret, certificate or federated token),
PARTNERCENTER_MAX_CONCURRENCY, PARTNERCENTER_TIMEOUT_SECONDS, ... (docs/cli.md lists them all).`;

/**
 * The program, its commands defined on it so that they inherit its output and exit handling.
 *
 * @param settle - receives a command's exit code when its work is over
 */
export function buildProgram(settle: (code: ExitCode) => void): Command {
  const program = new Command("partnercenter-budgets")
    .description(
      "Onboard (export), check (diff) and report on (report) Partner Center customer usage budgets, without a Pulumi stack.",
    )
    .exitOverride()
    .configureOutput({ writeOut: (text) => process.stdout.write(text), writeErr: (text) => err(text) })
    .showSuggestionAfterError(true)
    .showHelpAfterError("(add --help for usage)")
    .addHelpText("after", `\n${SETTINGS_HELP}\n\n${EXIT_CODES_HELP}\n`);
  defineExportCommand(program.command("export"), settle);
  defineDiffCommand(program.command("diff"), settle);
  defineReportCommand(program.command("report"), settle);
  return program;
}

/**
 * Runs the command line and says how it ends.
 *
 * @param argv - the arguments after the program's name
 * @returns the exit code
 * @throws whatever is not a known failure (exitWhenDone reports it and exits 2)
 */
export async function runCli(argv: readonly string[]): Promise<ExitCode> {
  let settled: ExitCode | undefined;
  const program = buildProgram((code) => (settled = code));
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    // Commander has already written its message (an unknown option with its suggestion, a missing argument), or the help.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    err(`partnercenter-budgets: ${(error as Error).message}\n`);
    // Partner Center, the network or the credential (a refused one stops every read: PC_ERR_STOPPED).
    return INPUT_CODES.some((code) => hasCode(error, code)) ? EXIT.badInput : EXIT.couldNotCheck;
  }
  if (settled === undefined) throw new Error("no command settled its exit code");
  return settled;
}
