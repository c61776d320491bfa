/**
 * Reads a file a user names (a budgets file, a certificate, a federated token)
 * with a size limit, and only when it is a regular file: `/dev/zero` or a FIFO
 * given by mistake is refused at once instead of filling memory or hanging.
 * A reader that cannot trust the path (a directory another user may change)
 * also judges the file it opened, not the path again: see {@link BoundedFileChecks}.
 */
import { UnreadableFileError } from "./errors";
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";

function kindOf(stats: ReturnType<typeof fstatSync>): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a FIFO (named pipe)";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSocket()) return "a socket";
  return "not a regular file";
}

/** What else a file must be, for a reader that cannot trust the path (a directory another user may change). */
export interface BoundedFileChecks {
  /** Refuse a symbolic link in place of the file itself (O_NOFOLLOW; links among its directories are followed). */
  readonly noFollow?: boolean;
  /**
   * Judges the file that was opened (its `fstat`, not the path's again, which may name another file by then).
   * @returns why it is refused, as the end of a sentence, or undefined to read it
   */
  readonly accept?: (stats: Stats) => string | undefined;
}

/**
 * The file's text, if it is a regular file of at most `limitBytes`.
 *
 * @param path - the file (relative to the working directory)
 * @param limitBytes - the most it may hold
 * @param checks - what else the opened file must be
 * @throws {@link UnreadableFileError} with the reason (missing, not a regular file, too large, refused by `checks`)
 */
export function readBoundedFile(path: string, limitBytes: number, checks: BoundedFileChecks = {}): string {
  return readBoundedFileBytes(path, limitBytes, checks).toString("utf8");
}

/**
 * The file's bytes, under the same rules as {@link readBoundedFile}: for a
 * file that may be binary (a PKCS#12 certificate bundle), which UTF-8
 * decoding would damage.
 *
 * @param path - the file (relative to the working directory)
 * @param limitBytes - the most it may hold
 * @param checks - what else the opened file must be
 * @throws {@link UnreadableFileError} with the reason (missing, not a regular file, too large, refused by `checks`)
 */
export function readBoundedFileBytes(path: string, limitBytes: number, checks: BoundedFileChecks = {}): Buffer {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer. O_NOFOLLOW is 0 where the system has none (Windows).
    fd = openSync(
      path,
      constants.O_RDONLY | constants.O_NONBLOCK | (checks.noFollow ? (constants.O_NOFOLLOW ?? 0) : 0),
    );
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (checks.noFollow && code === "ELOOP") throw new UnreadableFileError("is a symbolic link");
    throw new UnreadableFileError(`cannot be read (${code ?? (error as Error).message})`);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new UnreadableFileError(`is ${kindOf(stats)}, not a regular file`);
    const refusal = checks.accept?.(stats);
    if (refusal !== undefined) throw new UnreadableFileError(refusal);
    if (stats.size > limitBytes)
      throw new UnreadableFileError(`is ${stats.size} bytes, more than the ${limitBytes} bytes allowed`);
    // Read one byte past the limit: a file that grows (or lies about its size) is still caught.
    const buffer = Buffer.alloc(limitBytes + 1);
    let length = 0;
    for (let read = -1; read !== 0 && length <= limitBytes; length += read)
      read = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > limitBytes) throw new UnreadableFileError(`holds more than the ${limitBytes} bytes allowed`);
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}
