import { readFileSync } from "node:fs";

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
