/**
 * Processes as Linux's /proc shows them: a process's children and
 * descendants, and whether one still runs. For tests that kill a process the
 * Automation API started (the Pulumi CLI) and must leave nothing behind.
 */
import { readdirSync, readFileSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";

/** One process: its id, its parent's, its state letter and its arguments. */
export interface ProcessEntry {
  pid: number;
  ppid: number;
  /** `R`, `S`, `Z` (exited, not yet reaped)… */
  state: string;
  argv: string[];
}

function entryOf(pid: number): ProcessEntry | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name in parentheses may hold spaces; the fields after it start at ") ".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    return { pid, ppid: Number(fields[1]), state: fields[0] ?? "", argv };
  } catch {
    // It ended between the listing and the read.
    return undefined;
  }
}

/** Every process visible now. */
export function listProcesses(): ProcessEntry[] {
  return readdirSync("/proc")
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 0)
    .map(entryOf)
    .filter((entry): entry is ProcessEntry => entry !== undefined);
}

/** The processes below `pid`, children first (the process tree as it is now). */
export function descendantsOf(pid: number): ProcessEntry[] {
  const all = listProcesses();
  const found: ProcessEntry[] = [];
  let parents = new Set([pid]);
  // Bounded: each pass goes one generation down, and a tree is at most as deep as there are processes.
  for (let depth = 0; depth < all.length && parents.size > 0; depth += 1) {
    const children = all.filter((entry) => parents.has(entry.ppid));
    found.push(...children);
    parents = new Set(children.map((entry) => entry.pid));
  }
  return found;
}

/** Whether a process still runs (an exited, unreaped one does not). */
export function isRunning(pid: number): boolean {
  const entry = entryOf(pid);
  return entry !== undefined && entry.state !== "Z" && entry.state !== "X";
}

/**
 * Waits until none of these processes runs. A SIGKILLed process ends
 * asynchronously and Linux offers Node no exit notification for a process
 * it did not start, so this looks every 10 ms, up to `deadlineMs`, and fails
 * naming the survivors.
 */
export async function waitUntilGone(pids: readonly number[], deadlineMs = 10_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const running = pids.filter(isRunning);
    if (running.length === 0) return;
    if (Date.now() > until)
      throw new Error(`processes still running ${deadlineMs} ms after SIGKILL: ${running.join(", ")}`);
    await delay(10);
  }
}
