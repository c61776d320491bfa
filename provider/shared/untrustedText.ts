/**
 * Text from outside the process (Partner Center's and Entra ID's answers, a
 * gateway's page, the activity log, a budgets file) made fit to show. One
 * order everywhere: redact the secrets the process holds, then replace
 * control characters, then bound the length. Redacting after cutting would
 * let a token cut in half through, since only whole values are recognised.
 * Escaping for a medium (Markdown, a terminal) comes after, where the text is
 * written.
 */
import { redactSecrets } from "./secret";

/** The longest single field shown unless the caller says otherwise (a user name, a description). */
export const DEFAULT_TEXT_LIMIT = 200;

/**
 * Characters that change how text is shown rather than what it says: C0 and C1
 * controls (ESC starts ANSI and OSC sequences; CR rewrites a line), the line and
 * paragraph separators, and the bidirectional overrides that reorder what a
 * reviewer reads.
 */
const LAYOUT_CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` as one line fit for any output: secrets redacted, every run of
 * whitespace controls (tab, newline, CR) and every other control character
 * replaced by a space or U+FFFD, at most `limit` characters (code points),
 * an ellipsis and the number of characters left out marking a cut.
 *
 * @param text - text from outside
 * @param limit - the most characters kept
 */
export function displayText(text: string, limit = DEFAULT_TEXT_LIMIT): string {
  const redacted = redactSecrets(text);
  const flat = neutralizeLoggingCommands(
    redacted.replace(/[\t\n\v\f\r\u2028\u2029]+/g, " ").replace(LAYOUT_CONTROLS, "\uFFFD"),
  );
  const characters = [...flat];
  if (characters.length <= limit) return flat;
  return `${characters.slice(0, limit).join("")}… (${characters.length - limit} more characters)`;
}

/**
 * Text from outside that may hold several lines (an error naming several problems): each line as
 * {@link displayText} makes it, the line breaks kept, at most `maxLines` lines.
 *
 * @param text - text from outside, or a message that quotes it
 * @param limit - the most characters kept per line
 * @param maxLines - the most lines kept
 */
export function displayLines(text: string, limit = 1000, maxLines = 200): string {
  const lines = redactSecrets(text).split(/\r?\n/);
  const shown = lines.slice(0, maxLines).map((line) => displayText(line, limit));
  if (lines.length > maxLines) shown.push(`… (${lines.length - maxLines} more lines)`);
  return shown.join("\n");
}

/**
 * Azure Pipelines' agent acts on `##vso[…]` anywhere in a line of a step's output (set a variable, mark the step
 * failed or succeeded, add to PATH), and on `##[` formatting at a line's start. Text from outside can reach a CI log
 * through the CLI or the engine's display (`lastChange`), so a space breaks the marker: `# #vso[`.
 */
function neutralizeLoggingCommands(text: string): string {
  return text.replace(/##(vso)?\[/gi, (marker) => `# ${marker.slice(1)}`);
}

/**
 * `text` (already {@link displayText}) as a Markdown code span that is safe in a
 * GitHub table cell: nothing in it is read as a link, an image, HTML, emphasis
 * or a heading, and a `|` does not end the cell. The fence is one backtick
 * longer than any run of backticks inside.
 *
 * @param text - one line of text
 */
export function markdownCode(text: string): string {
  if (text === "") return "";
  const longestRun = Math.max(0, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = "`".repeat(longestRun + 1);
  const padded = text.startsWith("`") || text.endsWith("`") || /^ .* $/.test(text) ? ` ${text} ` : text;
  return `${fence}${padded.replace(/\|/g, "\\|")}${fence}`;
}

/**
 * Output for a terminal or a CI log in which no line can act as a GitHub
 * Actions workflow command (`::add-mask::`, `::set-output`,
 * `::stop-commands::`): the runner reads a line that starts with `::` after
 * leading spaces as one, so such a line gets a visible `> ` before it. Azure
 * Pipelines' `##vso[` markers are broken wherever they are.
 *
 * @param text - text about to be written (lines already free of control characters)
 */
export function guardWorkflowCommands(text: string): string {
  // Any white space but a line break before the `::`: the runner trims what .NET's TrimStart trims (NBSP, U+2000–U+200A,
  // U+3000, NEL…), and a line break would carry the match onto another line.
  return neutralizeLoggingCommands(text.replace(/^((?:[^\S\n]|\u0085)*)::/gm, "> $1::"));
}
