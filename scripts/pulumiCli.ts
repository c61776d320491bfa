/**
 * The Pulumi CLI this repository's engine tests, demo and benchmark run.
 *
 * A `pulumi` on PATH at or above the pinned version is used as it is (a
 * partner's or contributor's own install, which brings its own plugins).
 * Otherwise the pinned CLI is built from the Go module proxy with the module
 * in `tools/pulumi/` (the one place its version is set), once per machine,
 * into a cache outside the repository, with `@pulumi/pulumi`'s dynamic
 * provider launcher (`pulumi-resource-pulumi-nodejs`) beside it: the engine
 * looks for plugins on PATH and beside its own executable, and would
 * otherwise try to download it. The Node.js language host
 * (`pulumi-language-nodejs`), which runs a Pulumi.yaml project from a shell
 * and a policy pack, is built beside it the same way from `tools/language-host/`
 * (the module proxy does not serve it; its source is kept there).
 *
 * Run as a script (`node dist/scripts/pulumiCli.js`) it makes sure the CLI
 * is there and prints where it is.
 */
import { execFile, spawn } from "node:child_process";
import {
  accessSync,
  chmodSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, join, relative, resolve } from "node:path";

/** The repository root (this file runs from dist/scripts/). */
const REPO_ROOT = resolve(__dirname, "../..");
/** The Go module that pins and builds the CLI. */
const TOOLS_MODULE = join(REPO_ROOT, "tools", "pulumi");
const CLI_PACKAGE = "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi";
/** The Go module holding the Node.js language host's source, built against the same pkg/v3 and sdk/v3. */
const HOST_MODULE = join(REPO_ROOT, "tools", "language-host");
const HOST = "pulumi-language-nodejs";
const VERSION_VARIABLE = "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version";
/** How long a build may take before it is given up (a fresh machine takes about 3 minutes). */
const BUILD_DEADLINE_MS = 20 * 60_000;
const LAUNCHER = "pulumi-resource-pulumi-nodejs";

/** A CLI ready to run. */
export interface PulumiCli {
  /** The `pulumi` executable. */
  command: string;
  /** Its directory, where the engine also finds the plugins beside it. */
  binDir: string;
  /** The installation root to give the Automation API (`PulumiCommand.get({ root })`): undefined for the one on PATH. */
  root: string | undefined;
  /** The version it reports, without the leading `v`. */
  version: string;
  /** Where it came from. */
  source: "path" | "built";
}

/** The version a Go module's go.mod requires for `pkg/v3` and `sdk/v3`, which must be the same. */
function requiredPulumiVersion(module: string): string {
  const goModPath = join(module, "go.mod");
  const goMod = readFileSync(goModPath, "utf8");
  const pkg = /github\.com\/pulumi\/pulumi\/pkg\/v3 v(\d+\.\d+\.\d+)/.exec(goMod)?.[1];
  const sdk = /github\.com\/pulumi\/pulumi\/sdk\/v3 v(\d+\.\d+\.\d+)/.exec(goMod)?.[1];
  if (!pkg || !sdk) throw new Error(`${goModPath} must require github.com/pulumi/pulumi/pkg/v3 and sdk/v3`);
  if (pkg !== sdk)
    throw new Error(`${goModPath} requires pkg/v3 v${pkg} but sdk/v3 v${sdk}: pin both to the same version`);
  return pkg;
}

/**
 * The version `tools/pulumi/go.mod` pins for `pkg/v3` (and `sdk/v3`, which must match); `tools/language-host/go.mod`
 * must pin the same, or the host would speak another version's protocol than the CLI beside it.
 */
export function pinnedVersion(): string {
  const cli = requiredPulumiVersion(TOOLS_MODULE);
  const host = requiredPulumiVersion(HOST_MODULE);
  if (host !== cli)
    throw new Error(
      `${join(HOST_MODULE, "go.mod")} requires pkg/v3 and sdk/v3 v${host} but ${join(TOOLS_MODULE, "go.mod")} v${cli}: pin both modules to the same version`,
    );
  return cli;
}

/** Where the built CLI of a version lives: `$PULUMI_PARTNERCENTER_CLI_CACHE`, else the user's cache directory. */
export function cacheDir(version: string): string {
  const base =
    process.env.PULUMI_PARTNERCENTER_CLI_CACHE ||
    join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "pulumi-partnercenter", "cli");
  return join(base, `v${version}`);
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/** An executable named `name` in the first of `dirs` that has one, else on PATH. */
function findExecutable(name: string, dirs: string[] = []): string | undefined {
  for (const dir of [...dirs, ...(process.env.PATH ?? "").split(delimiter).filter(Boolean)]) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** The version a `pulumi` executable reports, or undefined when it does not answer within 30 s. */
function versionOf(command: string): Promise<string | undefined> {
  return new Promise((resolvePromise) => {
    execFile(
      command,
      ["version"],
      { timeout: 30_000, env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } },
      (error, stdout) => {
        resolvePromise(error ? undefined : /v?(\d+\.\d+\.\d+)/.exec(stdout)?.[1]);
      },
    );
  });
}

/** Runs a command to its end with a deadline, keeping the end of its output; rejects with its last lines. */
function runStep(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8_000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const timer = setTimeout(() => child.kill("SIGKILL"), BUILD_DEADLINE_MS);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`${command} could not start: ${error.message}`));
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolvePromise();
      const tail = output.trim().split("\n").slice(-15).join("\n");
      reject(
        new Error(
          `\`${command} ${args.join(" ")}\` failed (${signal ?? `exit code ${code}`}) in ${options.cwd}:\n${tail}`,
        ),
      );
    });
  });
}

/** The Go version `tools/pulumi/go.mod` needs (its `go` line, which the CLI's modules set). */
function goVersion(): string {
  return /^go (\d+\.\d+(\.\d+)?)$/m.exec(readFileSync(join(TOOLS_MODULE, "go.mod"), "utf8"))?.[1] ?? "1.24";
}

/** One Go build of a pinned executable: what it is, the module it is built in, and the package path to build. */
interface GoBuild {
  /** What it is, for messages. */
  name: string;
  /** The module directory (its go.mod pins every version). */
  module: string;
  /** The package to build, as `go build` takes it. */
  target: string;
  /** How long a first build on a machine takes, for the message before it. */
  expected: string;
}

/** Builds a pinned executable into its cache path (`output`); the file appears there only once it is complete. */
async function build(what: GoBuild, version: string, output: string): Promise<void> {
  const go = findExecutable("go");
  if (!go)
    throw new Error(
      `no \`pulumi\` ≥ ${version} on PATH and no \`go\` to build one: install the Pulumi CLI (https://www.pulumi.com/docs/iac/download-install/) or Go ≥ ${goVersion()}`,
    );
  process.stderr.write(
    `[pulumi-cli] building ${what.name} v${version} from ${what.target} (${relative(REPO_ROOT, what.module)}/go.mod) into ${dirname(output)}; ${what.expected}\n`,
  );
  mkdirSync(dirname(output), { recursive: true });
  const partial = `${output}.partial-${process.pid}`;
  const started = Date.now();
  try {
    await runStep(go, ["build", "-ldflags", `-X ${VERSION_VARIABLE}=v${version}`, "-o", partial, what.target], {
      cwd: what.module,
      env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: `${process.env.GOFLAGS ?? ""} -mod=readonly`.trim() },
    });
    renameSync(partial, output);
  } finally {
    rmSync(partial, { force: true });
  }
  process.stderr.write(`[pulumi-cli] built ${what.name} in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
}

const CLI_BUILD: GoBuild = {
  name: "the Pulumi CLI",
  module: TOOLS_MODULE,
  target: CLI_PACKAGE,
  expected: "the first build on a machine takes 3 to 8 minutes",
};
const HOST_BUILD: GoBuild = {
  name: `the Node.js language host (${HOST})`,
  module: HOST_MODULE,
  target: "github.com/pulumi-partnercenter/tools/language-host",
  expected:
    "seconds after the CLI's build, whose compiled modules it shares (14 s measured; 3 CPU-minutes without them)",
};

/** Copies `@pulumi/pulumi`'s dynamic provider launcher beside the CLI (it resolves the host from the program's directory). */
function placeLauncher(binDir: string): void {
  const target = join(binDir, LAUNCHER);
  if (existsSync(target)) return;
  const source = join(dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [REPO_ROOT] })), LAUNCHER);
  const partial = `${target}.partial-${process.pid}`;
  copyFileSync(source, partial);
  chmodSync(partial, 0o755);
  renameSync(partial, target);
}

/**
 * The CLI to run: `pulumi` on PATH when it is at least the pinned version,
 * else the pinned one from the cache, built first when it is not there.
 */
export async function ensurePulumiCli(): Promise<PulumiCli> {
  const version = pinnedVersion();
  const fromPath = findExecutable("pulumi");
  if (fromPath && !fromPath.startsWith(cacheDir(version))) {
    const found = await versionOf(fromPath);
    if (found && compareVersions(found, version) >= 0)
      return { command: fromPath, binDir: dirname(fromPath), root: undefined, version: found, source: "path" };
  }
  // <cache>/bin/pulumi: the layout the Automation API's `PulumiCommand.get({ root })` looks for.
  const binDir = join(cacheDir(version), "bin");
  const command = join(binDir, "pulumi");
  if (!existsSync(command)) await build(CLI_BUILD, version, command);
  if (!existsSync(join(binDir, HOST))) await build(HOST_BUILD, version, join(binDir, HOST));
  placeLauncher(binDir);
  return { command, binDir, root: cacheDir(version), version, source: "built" };
}

/**
 * The Node.js language host the CLI uses for a Pulumi.yaml project run from a shell and for policy packs, beside the
 * CLI or on PATH, if there is one (every released CLI has one; {@link ensurePulumiCli} builds one beside the pinned CLI).
 */
export function languageHost(cli: PulumiCli): string | undefined {
  return findExecutable(HOST, [cli.binDir]);
}

/** {@link languageHost}, or an error saying where it was looked for and how to get one. */
export function requireLanguageHost(cli: PulumiCli): string {
  const host = languageHost(cli);
  if (host) return host;
  throw new Error(
    cli.source === "built"
      ? `no ${HOST} beside the pinned CLI in ${cli.binDir}: \`node dist/scripts/pulumiCli.js\` builds it there from tools/language-host`
      : `the Pulumi CLI on PATH (${cli.command}) has no ${HOST} beside it or on PATH: install a released Pulumi CLI, which ships one, or take this \`pulumi\` off PATH so the pinned CLI and its language host are built from tools/`,
  );
}

/** The environment under which the engine finds the CLI's plugins: `binDir` first on PATH. */
export function withCliOnPath(cli: PulumiCli, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, PATH: [cli.binDir, env.PATH ?? ""].filter(Boolean).join(delimiter) };
}

if (require.main === module) {
  ensurePulumiCli().then(
    (cli) => {
      console.log(
        `[pulumi-cli] Pulumi CLI v${cli.version} (${cli.source === "path" ? "from PATH" : "built from tools/pulumi"}): ${cli.command}`,
      );
      console.log(
        `[pulumi-cli] Node.js language host: ${languageHost(cli) ?? "none (policy packs and Pulumi.yaml projects run from a shell need one)"}`,
      );
    },
    (error: unknown) => {
      console.error(`[pulumi-cli] ${(error as Error).message}`);
      process.exitCode = 1;
    },
  );
}
