import { strict as assert } from "node:assert";
import { Writable } from "node:stream";
import { exitWhenDone, UNFINISHED_EXIT_CODE, type ProcessEnd } from "../../provider/cli/exitWhenDone";
import { flush } from "../support/fakeClock";

/** A stream whose writes complete only when the test says so, like a pipe whose reader is slow. */
class SlowPipe extends Writable {
  readonly held: (() => void)[] = [];
  override _write(_chunk: unknown, _encoding: string, callback: () => void): void {
    this.held.push(callback);
  }
  drainAll(): void {
    for (let guard = 0; guard < 1000 && this.held.length > 0; guard++) this.held.shift()!();
  }
}

function fakeEnd(
  streams: NodeJS.WritableStream[],
): ProcessEnd & { exits: number[]; written: string[]; idle: () => void } {
  let idle = (): void => undefined;
  const end = {
    exits: [] as number[],
    written: [] as string[],
    streams,
    exit: (code: number) => void end.exits.push(code),
    onIdle: (listener: () => void) => void (idle = listener),
    writeErrorNow: (text: string) => void end.written.push(text),
    idle: () => idle(),
  };
  return end;
}

describe("how the command line ends (issue 22)", () => {
  it("exits only after standard output has flushed what was written: an export to a slow pipe is whole when the exit says success", async () => {
    const stdout = new SlowPipe();
    const end = fakeEnd([stdout]);
    exitWhenDone(
      Promise.resolve().then(() => (stdout.write("budgets:\n  - customerId: …\n"), 0)),
      () => 2,
      end,
    );
    await flush();
    assert.deepEqual(end.exits, [], "not while the pipe still holds the output");
    stdout.drainAll();
    await flush();
    stdout.drainAll();
    await flush();
    assert.deepEqual(end.exits, [0]);
  });

  it("work that never settles before the event loop empties exits 2 with a line saying so, never 0", async () => {
    const end = fakeEnd([]);
    exitWhenDone(new Promise<number>(() => undefined), () => 2, end);
    end.idle();
    assert.deepEqual(end.exits, [UNFINISHED_EXIT_CODE]);
    assert.equal(UNFINISHED_EXIT_CODE, 2);
    assert.match(end.written.join(""), /stopped before its work finished .* the output is incomplete/);
  });

  it("a failure exits with the code its handler gives, after flushing", async () => {
    const end = fakeEnd([]);
    exitWhenDone(Promise.reject(new Error("boom")), (error) => ((error as Error).message === "boom" ? 7 : 0), end);
    await flush();
    end.idle();
    assert.deepEqual(end.exits, [7], "and the idle guard does not fire once the work has settled");
  });
});
