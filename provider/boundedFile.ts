/**
 * Reads a file a user names (a budgets file, a certificate, a federated token)
 * with a size limit, and only when it is a regular file: `/dev/zero` or a FIFO
 * given by mistake is refused at once instead of filling memory or hanging.
 */
import { PartnerCenterError } from "./errors";
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";

/** Why a file could not be used; `reason` reads as the end of a sentence. */
export class UnreadableFileError extends PartnerCenterError {
  /** @param reason - why, as the end of a sentence */
  constructor(readonly reason: string) {
    super("PC_ERR_UNREADABLE_FILE", reason);
  }
}

function kindOf(stats: ReturnType<typeof fstatSync>): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a FIFO (named pipe)";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSocket()) return "a socket";
  return "not a regular file";
}

/**
 * The file's text, if it is a regular file of at most `limitBytes`.
 *
 * @param path - the file (relative to the working directory)
 * @param limitBytes - the most it may hold
 * @throws {@link UnreadableFileError} with the reason (missing, not a regular file, too large)
 */
export function readBoundedFile(path: string, limitBytes: number): string {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new UnreadableFileError(`cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new UnreadableFileError(`is ${kindOf(stats)}, not a regular file`);
    if (stats.size > limitBytes) throw new UnreadableFileError(`is ${stats.size} bytes, more than the ${limitBytes} bytes allowed`);
    // Read one byte past the limit: a file that grows (or lies about its size) is still caught.
    const buffer = Buffer.alloc(limitBytes + 1);
    let length = 0;
    for (let read = -1; read !== 0 && length <= limitBytes; length += read) read = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > limitBytes) throw new UnreadableFileError(`holds more than the ${limitBytes} bytes allowed`);
    return buffer.subarray(0, length).toString("utf8");
  } finally {
    closeSync(fd);
  }
}
