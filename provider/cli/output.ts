/**
 * The command line's two streams: every secret the process holds redacted (a
 * server may echo one), and no line a CI runner would take for a workflow
 * command.
 */
import { redactSecrets } from "../shared/secret";
import { displayLines, guardWorkflowCommands } from "../shared/untrustedText";

/** Standard output (a report). */
export function out(text: string): void {
  process.stdout.write(guardWorkflowCommands(redactSecrets(text)));
}

/** Standard error, each line also freed of control characters (messages quote servers and files). */
export function err(text: string): void {
  process.stderr.write(
    guardWorkflowCommands(displayLines(text.replace(/\n$/, ""))) + (text.endsWith("\n") ? "\n" : ""),
  );
}

/**
 * A file's contents on standard output (`export` without `--output`): redacted, otherwise byte for byte what
 * `--output` would write. Every value in it was made one line fit to show when it was read, so no line of it can
 * start a workflow command; guarding would change the data.
 */
export function outData(text: string): void {
  process.stdout.write(redactSecrets(text));
}
