/**
 * The `partnercenter-emulator` command of an installed package, run as a
 * partner runs it from a shell: its own process, on a free loopback port, its
 * endpoint and development token read from the banner it prints.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** How long the emulator may take to print its banner, and to stop. */
const DEADLINE_MS = 30_000;
/** The most banner text kept (it is a few lines; a runaway process must not fill memory). */
const MAX_BANNER = 16_000;

/** A running emulator process. */
export interface EmulatorProcess {
  /** `PARTNERCENTER_ENDPOINT` as the banner printed it. */
  readonly endpoint: string;
  /** `PARTNERCENTER_ACCESS_TOKEN` as the banner printed it. */
  readonly accessToken: string;
  /** Stops it (SIGTERM) and waits for it to exit; rejects when it does not exit 0 within the deadline. */
  stop(): Promise<void>;
}

/** The emulator command (`bin.partnercenter-emulator`) of the package installed in `project`'s node_modules. */
function emulatorBin(project: string): string {
  const packageDir = join(project, "node_modules", "pulumi-partnercenter");
  const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as {
    bin?: Record<string, string>;
  };
  const bin = manifest.bin?.["partnercenter-emulator"];
  if (!bin) throw new Error(`${packageDir}/package.json has no bin "partnercenter-emulator"`);
  return join(packageDir, bin);
}

/** Kills the child and waits for its exit, within the deadline. */
async function stopChild(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), DEADLINE_MS);
  try {
    const [code] = await exited;
    return code;
  } finally {
    clearTimeout(timer);
  }
}

/** Starts the installed package's emulator on a free port (`--port 0`) and waits for its banner. */
export async function startEmulatorProcess(project: string): Promise<EmulatorProcess> {
  const child = spawn(process.execPath, [emulatorBin(project), "--port", "0"], {
    cwd: project,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let banner = "";
  try {
    const settings = await new Promise<{ endpoint: string; accessToken: string }>((resolvePromise, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `partnercenter-emulator printed no endpoint and token within ${DEADLINE_MS / 1000} s:\n${banner}`,
            ),
          ),
        DEADLINE_MS,
      );
      const read = (chunk: Buffer): void => {
        banner = (banner + chunk.toString()).slice(0, MAX_BANNER);
        const endpoint = /^\s*export PARTNERCENTER_ENDPOINT=(http:\/\/127\.0\.0\.1:\d+)$/m.exec(banner)?.[1];
        const accessToken = /^\s*export PARTNERCENTER_ACCESS_TOKEN=([\w-]+)$/m.exec(banner)?.[1];
        if (!endpoint || !accessToken) return;
        clearTimeout(timer);
        resolvePromise({ endpoint, accessToken });
      };
      child.stdout!.on("data", read);
      child.stderr!.on("data", read);
      child.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(
          new Error(
            `partnercenter-emulator exited (${signal ?? `exit code ${code}`}) before printing its endpoint and token:\n${banner}`,
          ),
        );
      });
    });
    child.removeAllListeners("exit");
    return {
      ...settings,
      stop: async () => {
        const code = await stopChild(child);
        if (code !== 0) throw new Error(`partnercenter-emulator exited with ${code} on SIGTERM, not 0`);
      },
    };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}
