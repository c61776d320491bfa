/**
 * How the command line ends: with the exit code of its work once everything
 * it wrote has been flushed, and never with success when the work did not
 * finish.
 */
import { writeSync } from "node:fs";
import { EXIT } from "./exitCodes";

/** The exit code of a run whose work did not finish (it could not check). */
export const UNFINISHED_EXIT_CODE = EXIT.couldNotCheck;

/** What {@link exitWhenDone} writes to and how it ends the process (the real process unless a test says otherwise). */
export interface ProcessEnd {
  /** Standard output and standard error: their pending writes are flushed before the exit. */
  readonly streams: readonly NodeJS.WritableStream[];
  /** Ends the process with a code. */
  readonly exit: (code: number) => void;
  /** Registers a listener for the moment the event loop has nothing left to do. */
  readonly onIdle: (listener: () => void) => void;
  /** Writes a line to standard error at once (the event loop may be over). */
  readonly writeErrorNow: (text: string) => void;
}

/** The real process's streams and exit. */
export const processEnd: ProcessEnd = {
  streams: [process.stdout, process.stderr],
  exit: (code) => process.exit(code),
  onIdle: (listener) => process.once("beforeExit", listener),
  writeErrorNow: (text) => writeSync(2, text),
};

/**
 * Runs the command's work and exits with the code it settles on.
 * - The exit waits until standard output and standard error have flushed what
 *   was written: a pipe's writes are asynchronous, and `process.exit` before
 *   they drain loses the end of an export or a summary line.
 * - Should the event loop empty while the work is still pending (a request
 *   that nothing will ever wake), the process says so and exits with
 *   {@link UNFINISHED_EXIT_CODE}, not 0: a CI gate must not pass, nor
 *   `export > file` succeed, on work that never finished.
 *
 * @param work - the command; resolves with its exit code
 * @param onFailure - turns a rejection into a message and an exit code
 * @param end - the process to end (tests give their own)
 */
export function exitWhenDone(
  work: Promise<number>,
  onFailure: (error: unknown) => number,
  end: ProcessEnd = processEnd,
): void {
  let settled = false;
  end.onIdle(() => {
    if (settled) return;
    end.writeErrorNow(
      "partnercenter-budgets: stopped before its work finished (an operation was left waiting with nothing to wake it); the output is incomplete. Please report this.\n",
    );
    end.exit(UNFINISHED_EXIT_CODE);
  });
  const finish = (code: number): void => {
    settled = true;
    flush(end.streams, () => end.exit(code));
  };
  work.then(finish, (error: unknown) => finish(onFailure(error)));
}

/** Calls `done` once every stream has written out what was queued before this call. */
function flush(streams: readonly NodeJS.WritableStream[], done: () => void): void {
  let waiting = streams.length;
  if (waiting === 0) return done();
  for (const stream of streams) {
    // An empty write's callback runs after every earlier write has been handed to the system.
    stream.write("", () => {
      if (--waiting === 0) done();
    });
  }
}
