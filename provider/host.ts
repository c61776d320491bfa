/**
 * The entry point the serialized provider shim loads, at run time, from the
 * installed package (`require("pulumi-partnercenter/host")`).
 *
 * This module's exports are a contract with every `__provider` already stored
 * in partners' stacks: a newer version of the package must keep serving them.
 * Keep the names and signatures below; add, never remove.
 */
import type * as pulumi from "@pulumi/pulumi";
import { createUsageBudgetHooks } from "./hooks";
import { ProviderRuntime } from "./runtime";

/** The version of this contract; the shim does not check it, it documents it. */
export const HOST_API_VERSION = 1;

const runtime = new ProviderRuntime();
const hooks = createUsageBudgetHooks(() => runtime.client());

type Props = Record<string, unknown>;

/**
 * Takes the stack config (the host calls this once per distinct `__provider`).
 *
 * @param req - the host's configure request
 */
export async function configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
  await runtime.configure(req.config);
}

/** Validates inputs; see {@link createUsageBudgetHooks}. */
export async function check(olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
  await runtime.settings();
  return hooks.check(olds, news);
}

/** Decides update versus replace. */
export async function diff(id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> {
  await runtime.settings();
  return hooks.diff(id, olds, news);
}

/** Adopts and sets a budget. */
export function create(news: Props): Promise<pulumi.dynamic.CreateResult> {
  return hooks.create(news);
}

/** Reads the live budget. */
export function read(id: string, props?: Props): Promise<pulumi.dynamic.ReadResult> {
  return hooks.read(id, props);
}

/** Sets a changed budget. */
export function update(id: string, olds: Props, news: Props): Promise<pulumi.dynamic.UpdateResult> {
  return hooks.update(id, olds, news);
}

/** Retains or clears the budget, as `onDelete` says. */
function deleteBudget(id: string, props: Props): Promise<void> {
  return hooks.delete(id, props);
}
export { deleteBudget as delete };
