/**
 * The provider the dynamic provider host runs for every UsageBudget: each
 * resource's stored `__provider` text loads this module, at run time, from
 * the installed package (`require("pulumi-partnercenter/host")`, see
 * serializedProvider.ts; texts written before it name
 * `pulumi-partnercenter/dist/provider/entryPoint.js` or call these functions
 * through a wrapper).
 *
 * This module's exports are a contract with every `__provider` already stored
 * in partners' stacks: a newer version of the package must keep serving them.
 * Keep the names and signatures below; add, never remove.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ProviderRuntime } from "./runtime/runtime";
import type { createUsageBudgetLifecycle } from "./resource/lifecycle";
import { redactError } from "./shared/secret";
import { displayLines } from "./shared/untrustedText";

/** The version of this contract; no stored text checks it, it documents it. */
export const HOST_API_VERSION = 1;

/** The process's runtime and the budget lifecycle on it. */
interface Provider {
  runtime: ProviderRuntime;
  lifecycle: ReturnType<typeof createUsageBudgetLifecycle>;
}

let provider: Provider | undefined;

/**
 * Loads the client, MSAL and the settings on the first call. A program that
 * loads this module (an installed package's UsageBudget names it as its
 * provider) never calls it, and so never pays for them.
 */
function loaded(): Provider {
  if (!provider) {
    const { ProviderRuntime } = require("./runtime/runtime") as typeof import("./runtime/runtime");
    const { createUsageBudgetLifecycle } = require("./resource/lifecycle") as typeof import("./resource/lifecycle");
    const runtime = new ProviderRuntime();
    provider = { runtime, lifecycle: createUsageBudgetLifecycle(() => runtime.client()) };
  }
  return provider;
}

/**
 * The host's own print of each error this module throws. `@pulumi/pulumi`'s dynamic provider host prints what
 * `check`, `diff`, `read`, `delete` and `configure` throw as `console.error(\`${e}: ${e.stack}\`)`
 * (cmd/dynamic-provider/index.js), and the engine shows that under the stack beside the resource's own error: the
 * same message twice, the second with frames into this package's compiled files. The message already says what
 * failed and what to do, so that print is dropped; nothing else the host prints is. Bounded: `create` and `update`
 * failures are never printed, so their entries would otherwise stay.
 */
const hostPrints = new Set<string>();
const MAX_HOST_PRINTS = 256;
let printFilterInstalled = false;

function dropHostPrintOf(error: unknown): void {
  if (!(error instanceof Error)) return;
  if (!printFilterInstalled) {
    printFilterInstalled = true;
    const print = console.error.bind(console);
    console.error = (...args: unknown[]) => {
      if (args.length === 1 && typeof args[0] === "string" && hostPrints.delete(args[0])) return;
      print(...args);
    };
  }
  hostPrints.add(`${String(error)}: ${error.stack}`);
  if (hostPrints.size > MAX_HOST_PRINTS) hostPrints.delete(hostPrints.values().next().value as string);
}

/**
 * What leaves the provider for the engine's output: any secret value the process holds is redacted, whoever wrote
 * the text, and it is reported once (as the resource's error), not again with its stack under the stack.
 */
async function redacting<T>(work: (provider: Provider) => Promise<T>): Promise<T> {
  try {
    return await work(loaded());
  } catch (error) {
    const redacted = redactError(error);
    // The message quotes servers and files: each line freed of control characters before the engine prints it.
    if (redacted instanceof Error) redacted.message = displayLines(redacted.message);
    dropHostPrintOf(redacted);
    throw redacted;
  }
}

type Props = Record<string, unknown>;

/**
 * Runs another host's hook (the UsageBudgetMap's, budgetMapEntryPoint.ts) on this process's runtime, so that every
 * resource shares one client and one scheduler, with errors redacted and printed once as here.
 *
 * @param work - the hook, given the runtime
 */
export function onSharedRuntime<T>(work: (runtime: ProviderRuntime) => Promise<T>): Promise<T> {
  return redacting(({ runtime }) => work(runtime));
}

/**
 * Takes the stack config (the host calls this once per distinct `__provider`).
 *
 * @param req - the host's configure request
 */
export function configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
  return redacting(async ({ runtime }) => {
    await runtime.configure(req.config);
  });
}

/** Validates inputs; see {@link createUsageBudgetLifecycle}. */
export function check(olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
  return redacting(async ({ runtime, lifecycle }) => {
    await runtime.settings();
    return lifecycle.check(olds, news);
  });
}

/** Decides update versus replace. */
export function diff(id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> {
  return redacting(async ({ runtime, lifecycle }) => {
    await runtime.settings();
    return lifecycle.diff(id, olds, news);
  });
}

/** Adopts and sets a budget. */
export function create(news: Props): Promise<pulumi.dynamic.CreateResult> {
  return redacting(({ lifecycle }) => lifecycle.create(news));
}

/** Reads the live budget. */
export function read(id: string, props?: Props): Promise<pulumi.dynamic.ReadResult> {
  return redacting(({ lifecycle }) => lifecycle.read(id, props));
}

/** Sets a changed budget. */
export function update(id: string, olds: Props, news: Props): Promise<pulumi.dynamic.UpdateResult> {
  return redacting(({ lifecycle }) => lifecycle.update(id, olds, news));
}

/** Retains or clears the budget, as `onDelete` says. */
function deleteBudget(id: string, props: Props): Promise<void> {
  return redacting(({ lifecycle }) => lifecycle.delete(id, props));
}
export { deleteBudget as delete };
