/**
 * The throttle's rate, remembered between provider processes. The engine
 * starts a new provider host for every pass (a preview, then the update; a
 * refresh; the next `pulumi up`), and each would otherwise meet Partner
 * Center's limit again with all its requests at once: at `--parallel 64`
 * under a bucket whose burst is small, a refresh then drew 55 429s, and 0 to
 * 2 when it started from the last rate (docs/benchmark.md). A host starts
 * from the rate the last one reached with the same partner (endpoint, tenant
 * and app), if within {@link MEMORY_TTL_MS}, and honours a `Retry-After`
 * pause still in force.
 *
 * A memory is a cache: a file that is missing, unreadable, stale or not what
 * this version writes is ignored, and a failed write changes nothing but the
 * next process's start. The directory must be the user's own and writable by
 * no one else (it may sit in a shared temporary directory), and each one
 * above it root's or the user's, writable by no one else unless sticky (like
 * `/tmp`): otherwise the memory is neither read nor written, so that no other
 * local user can slow the provider down with a planted limit or aim its writes
 * elsewhere, even by swapping a directory between a check and its use. The
 * file itself is opened once and judged by what was opened (the path may name
 * another file by then): a regular file of this user's, writable by no one
 * else, with one link. What is read is clamped to what the throttle could
 * have reached itself (see {@link clampRemembered}): a remembered pause is
 * capped at {@link MAX_REMEMBERED_PAUSE_MS}.
 */
import { createHash } from "node:crypto";
import { lstatSync, mkdirSync, realpathSync, renameSync, rmSync, writeFileSync, type Stats } from "node:fs";
import { basename, dirname, join, parse, resolve, sep } from "node:path";
import { z } from "zod";
import { readBoundedFile } from "../shared/boundedFile";
import { clampRemembered, type RememberedThrottle } from "../client/throttle/partnerThrottle";
import type { ProviderSettings } from "../settings/settings";

export { MAX_REMEMBERED_PAUSE_MS } from "../client/throttle/partnerThrottle";

/** How long a remembered rate is trusted: a gateway's limit may change, and a fresh process meets it again in seconds. */
export const MEMORY_TTL_MS = 10 * 60 * 1000;

/** The most a memory file may hold: one is under 200 bytes, so anything larger is not one of ours. */
export const MAX_MEMORY_BYTES = 4096;

/** Version 2: the CUBIC rate (version 1, the limit learner's quota and pace, is not read). */
const memorySchema = z.object({
  version: z.literal(2),
  savedAt: z.number().finite(),
  rate: z.number().finite().positive(),
  pausedUntil: z.number().finite().min(0),
});

/**
 * The file that remembers the rate of the partner these settings talk to,
 * or undefined when `partnercenter:rateLimitCache` is `off`. The name is a
 * hash of the endpoint, tenant and client id: it says nothing of them, and
 * holds no credential.
 */
export function limitMemoryFile(settings: ProviderSettings): string | undefined {
  if (settings.rateLimitCache === undefined) return undefined;
  const partner = [
    settings.endpoint,
    settings.credentials.tenantId?.value ?? "",
    settings.credentials.clientId?.value ?? "",
  ].join("\n");
  return join(settings.rateLimitCache, `limit-${createHash("sha256").update(partner).digest("hex").slice(0, 24)}.json`);
}

/** What the file remembers, if it is there, readable, of this version and younger than {@link MEMORY_TTL_MS}; clamped. */
export function recallLimit(file: string, now: number): RememberedThrottle | undefined {
  const directory = privateDirectory(dirname(file));
  if (directory === undefined) return undefined;
  let parsed: unknown;
  try {
    // Opened once (not through a link) and judged by what was opened, not by the path again: a file swapped in after
    // the directory's check is refused all the same. Bounded and non-blocking: a FIFO or a huge file costs nothing.
    parsed = JSON.parse(
      readBoundedFile(join(directory, basename(file)), MAX_MEMORY_BYTES, {
        noFollow: true,
        accept: privateFileRefusal,
      }),
    );
  } catch {
    return undefined;
  }
  const memory = memorySchema.safeParse(parsed);
  if (!memory.success || now - memory.data.savedAt > MEMORY_TTL_MS || memory.data.savedAt > now + MEMORY_TTL_MS)
    return undefined;
  const { rate, pausedUntil } = memory.data;
  return clampRemembered({ rate, pausedUntil }, now);
}

/** Why an opened memory file is not ours to read: another user's, writable by others, or linked elsewhere too. Windows: never. */
function privateFileRefusal(stats: Stats): string | undefined {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  if (stats.uid !== uid) return "is another user's";
  if ((stats.mode & 0o022) !== 0) return "is writable by others";
  // A hard link to some other file of this user's (a memory of another partner, say) is not this memory.
  if (stats.nlink !== 1) return `has ${stats.nlink} links`;
  return undefined;
}

/**
 * The directory's real path, if no other user can change what it names: it is a directory (not a link) of this
 * user's, writable by no one else, and every directory on the way to it, as given and as resolved, is this user's or
 * root's and writable by no one else unless sticky (like `/tmp`: others may add entries there, not move this user's);
 * a link on the way is this user's or root's. Otherwise another user could swap a directory between the check and
 * the open or the rename, aiming a read at a planted file or a write anywhere. Undefined otherwise. Windows: as given.
 */
function privateDirectory(directory: string): string | undefined {
  const uid = process.getuid?.();
  if (uid === undefined) return directory;
  try {
    const real = realpathSync(directory);
    return safeWay(resolve(directory), uid) && safeWay(real, uid) ? real : undefined;
  } catch {
    return undefined;
  }
}

/** Whether every step to `path` (absolute, without `..`) is one no user but this one or root can change: see {@link privateDirectory}. */
function safeWay(path: string, uid: number): boolean {
  const { root } = parse(path);
  const names = path
    .slice(root.length)
    .split(sep)
    .filter((name) => name !== "");
  const steps = names.reduce((paths, name) => [...paths, join(paths.at(-1)!, name)], [root]);
  return steps.every((step, index) => {
    const stats = lstatSync(step);
    if (index === steps.length - 1) return stats.isDirectory() && stats.uid === uid && (stats.mode & 0o022) === 0;
    // A link's owner could replace it; where it leads is checked as the real path.
    if (stats.isSymbolicLink()) return stats.uid === uid || stats.uid === 0;
    return (
      stats.isDirectory() &&
      (stats.uid === uid || stats.uid === 0) &&
      ((stats.mode & 0o022) === 0 || (stats.mode & 0o1000) !== 0)
    );
  });
}

/**
 * Writes the scheduler's rate and pause to the file: to a temporary file first,
 * renamed over the memory, so that a reader never sees half of one. Written
 * synchronously (a few hundred bytes, after a 429 or at most once a second):
 * a host the engine stops right after still leaves it whole. A write that
 * fails changes nothing but the next process's start.
 *
 * @param file - from {@link limitMemoryFile}
 * @param limit - the scheduler's rate and pause
 * @param now - when (ms since the epoch)
 */
export function rememberLimit(file: string, limit: RememberedThrottle, now: number): void {
  let temporary: string | undefined;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // Written through the checked real path, which no other user can change: the write lands where it was checked.
    const directory = privateDirectory(dirname(file));
    if (directory === undefined) return;
    const target = join(directory, basename(file));
    temporary = `${target}.${process.pid}.tmp`;
    // "wx": never through a file or link that is already there.
    writeFileSync(temporary, JSON.stringify({ version: 2, savedAt: now, ...limit }), { mode: 0o600, flag: "wx" });
    renameSync(temporary, target);
  } catch {
    // A cache: the next process meets the limit itself; nothing here may fail the request that taught it.
    if (temporary === undefined) return;
    try {
      rmSync(temporary, { force: true });
    } catch {
      // Left for the next write of this process to fail on, harmlessly.
    }
  }
}
