/**
 * `export --update`: a reviewed budgets file brought up to date with Partner
 * Center, as a reviewer would do it by hand. Only the amounts that changed are
 * rewritten, in place; customers Partner Center newly lists are appended;
 * every other byte (comments, names, `onDelete`, blank lines, quoting, order)
 * stays as it was, and customers Partner Center no longer lists stay too,
 * reported to the caller. With a slice (`export --shard`), customers outside
 * it are neither compared nor reported: Partner Center was not asked about
 * them. The `yaml` library's document gives where each node is in the text;
 * the text itself is edited only there.
 */
import { isMap, isSeq, parseDocument, type Node, type YAMLMap, type YAMLSeq } from "yaml";
import { budgetsYaml, parseBudgetsText, type AmountComment, type BudgetEntry } from "../gitops/budgetsFile";
import { sameAmount } from "../budget/inputs";
import { displayText } from "../shared/untrustedText";
import { SPEND_COMMENT_PREFIX } from "./render/spendComments";
import { inSlice, type BudgetsSlice } from "../gitops/shards";

/** What an update changed. */
export interface BudgetsUpdate {
  /** The file's new text; the same string when nothing changed. */
  readonly text: string;
  /** Declared customers whose amount was rewritten, with the amount the file had. */
  readonly updated: readonly { readonly entry: BudgetEntry; readonly was: number | null }[];
  /** Customers appended. */
  readonly added: readonly BudgetEntry[];
  /** Declared customers Partner Center did not list; kept in the file. */
  readonly gone: readonly BudgetEntry[];
  /** With comments asked for: how many were written, and how many entries got none (a reviewer's comment is there, or the entry is a `{…}` flow mapping). */
  readonly comments?: { readonly written: number; readonly besideReviewers: number; readonly flow: number };
  /** Declared customers outside the slice, left as they were (0 without a slice). */
  readonly outside: number;
}

/** One replacement of the text between two offsets. */
interface Edit {
  readonly from: number;
  readonly to: number;
  readonly text: string;
}

/** An amount as the file rules read it: plain digits or `null` (`+ 0` turns -0 into 0). */
function amountText(amount: number | null): string {
  return amount === null ? "null" : String(amount + 0);
}

/** The list of entries: the document itself, or its `budgets` (parseBudgetsText has already checked it is a list). */
function entriesList(contents: Node | null): YAMLSeq {
  const list = isMap(contents) ? (contents.get("budgets", true) as Node | undefined) : contents;
  if (!isSeq(list)) throw new Error("a budgets file that passed the file rules has a list of entries");
  return list;
}

/** A new entry as the file would have it, one flow mapping on one line (a flow list holds it, and so does JSON). */
function flowEntry(entry: BudgetEntry): string {
  return JSON.stringify({
    customerId: entry.customerId,
    name: entry.name,
    amount: entry.amount === null ? null : entry.amount + 0,
  });
}

/** Where to append entries, and the text to insert there, keeping the list's own style (a block list's new entries get their comments). */
function appendEdit(
  text: string,
  list: YAMLSeq,
  added: readonly BudgetEntry[],
  comment: AmountComment | undefined,
): Edit {
  const items = list.items as Node[];
  const last = items[items.length - 1];
  if (list.flow) {
    // `[ … ]`, in YAML or JSON: after the last item, on a line of its own indented like it; or inside an empty `[]`.
    if (last?.range === undefined || last.range === null) {
      const open = list.range![0] + 1;
      return { from: open, to: open, text: added.map(flowEntry).join(", ") };
    }
    const lineStart = text.lastIndexOf("\n", last.range[0] - 1) + 1;
    const indent = /^[ \t]*/.exec(text.slice(lineStart))![0];
    // Items each on a line of their own (JSON as export writes it) get new ones likewise; items on the bracket's line, inline.
    const itemsOnOwnLines = lineStart > list.range![0];
    const separator = itemsOnOwnLines ? `,\n${indent}` : ", ";
    return {
      from: last.range[1],
      to: last.range[1],
      text: added.map((entry) => `${separator}${flowEntry(entry)}`).join(""),
    };
  }
  // A block list: new `- ` items after its end, indented as its first item's dash.
  const first = items[0]!;
  const lineStart = text.lastIndexOf("\n", first.range![0] - 1) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart))![0];
  const block = budgetsYaml(added, "list", comment);
  const indented = block.replace(/^(?=.)/gm, indent);
  const at = list.range![1];
  return { from: at, to: at, text: `${text[at - 1] === "\n" || at === 0 ? "" : "\n"}${indented}` };
}

/**
 * Brings a budgets file's text up to date with the budgets Partner Center has.
 *
 * @param text - the file's text (YAML or JSON)
 * @param source - the file's name, for messages
 * @param live - every customer's budget (the slice's, with one), as `export` read them (sorted as export sorts)
 * @param options - `comment`: each entry's comment beside its amount, written where there is none, replacing one that
 *   begins with {@link SPEND_COMMENT_PREFIX} (an earlier export's), never a reviewer's; `slice`: the slice `live`
 *   covers, declared customers outside it left as they are
 * @throws {@link BudgetsFileError} when the file breaks the file rules
 */
export function updateBudgetsText(
  text: string,
  source: string,
  live: readonly BudgetEntry[],
  options: { readonly comment?: AmountComment; readonly slice?: BudgetsSlice } = {},
): BudgetsUpdate {
  const { comment, slice } = options;
  const declared = parseBudgetsText(text, source);
  const liveById = new Map(live.map((entry) => [entry.customerId, entry]));
  const declaredIds = new Set(declared.map((entry) => entry.customerId));
  const document = parseDocument(text);
  const items = entriesList(document.contents as Node | null).items as YAMLMap[];
  const edits: Edit[] = [];
  const updated: { entry: BudgetEntry; was: number | null }[] = [];
  const gone: BudgetEntry[] = [];
  const comments = { written: 0, besideReviewers: 0, flow: 0 };
  let outside = 0;
  declared.forEach((entry, index) => {
    // Not listed in `live` because Partner Center was not asked about it: not gone.
    if (slice && !inSlice(entry.customerId, slice)) return void (outside += 1);
    const current = liveById.get(entry.customerId);
    const node = items[index]!.get("amount", true) as Node;
    if (comment !== undefined) {
      const edit = commentEdit(
        text,
        items[index]!,
        node,
        comment({ ...entry, amount: current?.amount ?? entry.amount }),
      );
      if (typeof edit === "string") comments[edit] += 1;
      else (edits.push(edit), (comments.written += 1));
    }
    if (current === undefined) return void gone.push(entry);
    if (sameAmount(current.amount, entry.amount)) return;
    edits.push({ from: node.range![0], to: node.range![1], text: amountText(current.amount) });
    updated.push({ entry: { ...entry, amount: current.amount }, was: entry.amount });
  });
  const added = live.filter((entry) => !declaredIds.has(entry.customerId));
  const list = entriesList(document.contents as Node | null);
  if (added.length > 0) edits.push(appendEdit(text, list, added, comment));
  if (comment !== undefined && added.length > 0) comments[list.flow ? "flow" : "written"] += added.length;
  // From the end, so that each edit's offsets still hold.
  const next = edits
    .sort((a, b) => b.from - a.from)
    .reduce((result, edit) => result.slice(0, edit.from) + edit.text + result.slice(edit.to), text);
  // The result is held to the file rules and must say what Partner Center says: an edit that misplaced a byte fails here, not in review.
  const check = parseBudgetsText(next, source);
  const wrong = check.find(
    (entry) => liveById.has(entry.customerId) && !sameAmount(entry.amount, liveById.get(entry.customerId)!.amount),
  );
  if (wrong !== undefined || check.length !== declared.length + added.length)
    throw new Error(
      `the update of ${source} did not come out as intended (customer ${wrong?.customerId ?? "count"}); the file was not changed`,
    );
  return { text: next, updated, added, gone, outside, ...(comment === undefined ? {} : { comments }) };
}

/**
 * The edit that puts `comment` beside an entry's amount, or why there is none:
 * a `{…}` entry has no end of line of its own, and a reviewer's comment stays.
 * The amount is a plain scalar on one line (the file rules), so what follows
 * it on its line is blanks and perhaps a comment.
 */
function commentEdit(text: string, entry: YAMLMap, amount: Node, comment: string): Edit | "flow" | "besideReviewers" {
  if (entry.flow) return "flow";
  const from = amount.range![1];
  const lineEnd = text.indexOf("\n", from);
  const to = lineEnd === -1 ? text.length : text[lineEnd - 1] === "\r" ? lineEnd - 1 : lineEnd;
  const rest = /^([ \t]*)(?:#[ \t]*(.*))?$/.exec(text.slice(from, to));
  if (rest === null) return "flow";
  const [, blanks = "", existing] = rest;
  if (existing !== undefined && !existing.startsWith(SPEND_COMMENT_PREFIX)) return "besideReviewers";
  // An earlier export's comment keeps its column (a reviewer may have aligned it); a new one goes one space after the amount.
  return { from, to, text: `${existing === undefined ? " " : blanks}# ${displayText(comment, 300)}` };
}
