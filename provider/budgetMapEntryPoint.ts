/**
 * The entry point a UsageBudgetMap's serialized provider loads, at run time,
 * from the installed package (`require("pulumi-partnercenter/budget-map-host")`).
 * Its hooks run on the same runtime as the UsageBudget host's (entryPoint.ts):
 * one client and one scheduler per provider process.
 *
 * Like entryPoint.ts, this module's exports are a contract with the
 * `__provider` values stored in stacks: keep the names and signatures; add,
 * never remove.
 */
import type * as pulumi from "@pulumi/pulumi";
import { onSharedRuntime } from "./entryPoint";
import type { createUsageBudgetMapLifecycle } from "./resource/budgetMapLifecycle";
import type { ProviderRuntime } from "./runtime/runtime";

type Props = Record<string, unknown>;
type Lifecycle = ReturnType<typeof createUsageBudgetMapLifecycle>;

let lifecycle: Lifecycle | undefined;

/** The hooks, loaded on the first call (a program that names this module as its provider never pays for the client). */
function hooks(runtime: ProviderRuntime): Lifecycle {
  if (!lifecycle) {
    const { createUsageBudgetMapLifecycle } =
      require("./resource/budgetMapLifecycle") as typeof import("./resource/budgetMapLifecycle");
    lifecycle = createUsageBudgetMapLifecycle(() => runtime.client());
  }
  return lifecycle;
}

/**
 * Takes the stack config (the host calls this once per distinct `__provider`).
 *
 * @param req - the host's configure request
 */
export function configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
  return onSharedRuntime(async (runtime) => {
    await runtime.configure(req.config);
  });
}

/** Validates the declared budgets, customer by customer. */
export function check(olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
  return onSharedRuntime(async (runtime) => {
    await runtime.settings();
    return hooks(runtime).check(olds, news);
  });
}

/** Says whether any customer changes. */
export function diff(id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> {
  return onSharedRuntime(async (runtime) => {
    await runtime.settings();
    return hooks(runtime).diff(id, olds, news);
  });
}

/** Takes every declared customer on and sets its budget. */
export function create(news: Props): Promise<pulumi.dynamic.CreateResult> {
  return onSharedRuntime((runtime) => hooks(runtime).create(news));
}

/** Reads every customer's live budget. */
export function read(id: string, props?: Props): Promise<pulumi.dynamic.ReadResult> {
  return onSharedRuntime((runtime) => hooks(runtime).read(id, props));
}

/** Sets changed budgets, takes added customers on, releases removed ones. */
export function update(id: string, olds: Props, news: Props): Promise<pulumi.dynamic.UpdateResult> {
  return onSharedRuntime((runtime) => hooks(runtime).update(id, olds, news));
}

/** Retains or clears every customer's budget, as each one's `onDelete` says. */
function deleteBudgets(id: string, props: Props): Promise<void> {
  return onSharedRuntime((runtime) => hooks(runtime).delete(id, props));
}
export { deleteBudgets as delete };
