/**
 * A crash of the Pulumi CLI in the middle of a command: SIGKILL, with no
 * chance to write state or release its lock, at a point of the run counted
 * in the requests the emulator has received (never a timer).
 */
import { basename } from "node:path";
import type { PartnerCenterEmulator, RecordedRequest } from "pulumi-partnercenter/emulator";
import { descendantsOf, listProcesses, waitUntilGone } from "../support/processTree";

/** What {@link killCliDuring} did. */
export interface CliKill<T> {
  /** What the command gave back once its CLI was dead. */
  result: T;
  /** The CLI's pid, then its plugins' (the provider host), all SIGKILLed and gone. */
  killed: number[];
}

/**
 * The CLI this process is running for `command` (`up`, `destroy`…): the
 * Automation API starts it as a direct child, `pulumi <command> …`.
 */
function runningCli(command: string): number {
  const found = listProcesses().filter(
    (entry) => entry.ppid === process.pid && basename(entry.argv[0] ?? "") === "pulumi" && entry.argv[1] === command,
  );
  if (found.length !== 1)
    throw new Error(`expected one running \`pulumi ${command}\` started by this process, found ${found.length}`);
  return found[0]!.pid;
}

/**
 * Runs `run` (a CLI command through the Automation API) and, as the
 * emulator records the `afterRequests`th request that `matches`, SIGKILLs
 * the CLI and then its plugin processes. The Node.js dynamic provider host
 * does not watch its parent (`@pulumi/pulumi/cmd/dynamic-provider` serves
 * until told to stop), so a CLI killed alone would leave it running; killing
 * the tree is what a CI runner does when a job is cancelled or times out.
 * Resolves once every killed process is gone; fails if the count was never
 * reached (the command ended on its own) or the CLI was not found.
 */
export async function killCliDuring<T>(
  emulator: PartnerCenterEmulator,
  command: string,
  afterRequests: number,
  run: () => Promise<T>,
  matches?: (request: RecordedRequest) => boolean,
): Promise<CliKill<T>> {
  const killed: number[] = [];
  let failure: Error | undefined;
  emulator.onRequestCount(
    afterRequests,
    () => {
      // Runs inside the emulator's request handler: nothing may throw out of it.
      try {
        const cli = runningCli(command);
        // The tree is read before the kill: once the CLI is dead, its children belong to another parent.
        const plugins = descendantsOf(cli).map((entry) => entry.pid);
        process.kill(cli, "SIGKILL");
        for (const pid of plugins) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // It ended on its own meanwhile.
          }
        }
        killed.push(cli, ...plugins);
      } catch (error) {
        failure = error as Error;
      }
    },
    matches,
  );
  const result = await run();
  if (failure) throw failure;
  if (killed.length === 0)
    throw new Error(
      `\`pulumi ${command}\` ended before the emulator received ${afterRequests} requests: nothing was killed`,
    );
  await waitUntilGone(killed);
  return { result, killed };
}
