import { readdirSync, readFileSync } from "node:fs";

/** CPU time and memory of a process, read from /proc (Linux). */
export interface ProcessStats {
  /** User plus system CPU time, in ms. */
  cpuMs: number;
  /** Peak resident set size so far, in bytes. */
  peakRssBytes: number;
}

const TICKS_PER_SECOND = 100;

/**
 * Reads a process's CPU time and peak RSS from /proc.
 *
 * @param pid - the process id
 */
export function readProcessStats(pid: number): ProcessStats {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may contain spaces) start at ") ".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const peakKb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return { cpuMs: (ticks * 1000) / TICKS_PER_SECOND, peakRssBytes: peakKb * 1024 };
}

/** The parent of a process, from /proc. */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

/** Whether `pid` descends from `ancestor` (a bounded walk up the parents: process trees are shallow). */
function isBelow(pid: number, ancestor: number): boolean {
  let current = pid;
  for (let depth = 0; depth < 64 && current > 1; depth += 1) {
    current = parentOf(current);
    if (current === ancestor) return true;
  }
  return false;
}

/** What a {@link ProcessSampler} saw of the processes it watched. */
export interface SampledStats {
  /** CPU time of every matching process at its last sample, summed, in ms. */
  cpuMs: number;
  /** The largest peak RSS (VmHWM) any matching process reached by its last sample, in bytes. */
  peakRssBytes: number;
  /** How many distinct processes matched. */
  processes: number;
}

/**
 * Watches the processes whose command line matches a pattern (the engine's
 * provider hosts, the CLI itself), which the bench does not start and so
 * cannot read at their exit: every `intervalMs` it reads each one's CPU time
 * and peak RSS from /proc. A process's figures are those of its last sample,
 * so work after it (at most one interval) is not counted.
 */
export class ProcessSampler {
  readonly #seen = new Map<number, ProcessStats>();
  readonly #timer: NodeJS.Timeout;

  /**
   * @param pattern - matched against the NUL-separated command line, joined with spaces
   * @param intervalMs - how often to read /proc
   * @param ancestor - when given, only processes below this one count (not another user's CLI on a shared machine)
   */
  constructor(
    readonly pattern: RegExp,
    intervalMs = 100,
    readonly ancestor?: number,
  ) {
    this.#timer = setInterval(() => this.#sample(), intervalMs);
  }

  #sample(): void {
    for (const entry of readdirSync("/proc")) {
      const pid = Number(entry);
      if (!Number.isInteger(pid) || pid === process.pid) continue;
      try {
        if (!this.pattern.test(readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" "))) continue;
        if (this.ancestor !== undefined && !isBelow(pid, this.ancestor)) continue;
        this.#seen.set(pid, readProcessStats(pid));
      } catch {
        // the process ended between the listing and the read
      }
    }
  }

  /** Stops sampling and gives the totals. */
  stop(): SampledStats {
    this.#sample();
    clearInterval(this.#timer);
    const all = [...this.#seen.values()];
    return {
      cpuMs: all.reduce((sum, stats) => sum + stats.cpuMs, 0),
      peakRssBytes: Math.max(0, ...all.map((stats) => stats.peakRssBytes)),
      processes: all.length,
    };
  }
}
