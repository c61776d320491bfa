/**
 * One engine deployment (one pass of `pulumi up`, `preview`, `refresh` or
 * `destroy`): the step generator and step executor of
 * pkg/resource/deploy/{step_generator,step_executor,deployment_executor}.go,
 * reduced to what a dynamic provider can observe. Every rule is cited in
 * ENGINE.md.
 */
import { isDeepStrictEqual } from "node:util";
import { randomUUID } from "node:crypto";
import type { ConfigValue, ProviderHost, Props } from "../providerHost";
import { configAsProviderInputs, isProvider, providerType, unwrapSecrets, type CheckpointResource } from "./checkpoint";
import { MonitorShutDown, type ProgramEvents, type Registered, type Registration } from "./monitor";

/** What happened to one resource, as the CLI lists it. */
export type StepOp = "create" | "update" | "replace" | "delete" | "same" | "refresh";

/** One step of the deployment. */
export interface Step {
  urn: string;
  op: StepOp;
  /** For `refresh`: what the reversed diff found. */
  refresh?: "unchanged" | "changed" | "gone";
  /** Set when the step failed. */
  error?: string;
  /** The changed properties, `key: old => new` (what `--diff` prints). */
  detail?: string;
}

/** How a deployment runs. */
export interface DeploymentOptions {
  project: string;
  stack: string;
  /** A preview: Check, Diff and Read only. */
  dryRun: boolean;
  /** `--parallel`: the step executor's workers. */
  parallel: number;
  /** `--continue-on-error`. */
  continueOnError: boolean;
  /** The current stack config (the program-phase default provider's inputs). */
  config: Record<string, ConfigValue>;
  /** The provider host for the program phase, configured with {@link config}. */
  programProvider: () => Promise<ProviderHost>;
  /** The provider host for refreshes and deletes of old resources, configured with the config stored in state. */
  stateProvider: () => Promise<ProviderHost>;
}

/** `--parallel` workers, first come first served (step_executor.go `NewStepExecutor` workers). */
class Workers {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(size: number) {
    this.#free = size;
  }
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

const STACK_TYPE = "pulumi:pulumi:Stack";

/** A step that failed; the message is what the CLI prints for the resource. */
class StepFailed extends Error {}

/** One deployment over an old checkpoint. */
export class Deployment implements ProgramEvents {
  /** Every step, in the order they finished. */
  readonly steps: Step[] = [];
  /** Diagnostics the program and the engine printed. */
  readonly diagnostics: string[] = [];
  /** Set on the first failure unless `continueOnError` (step_executor.go `cancelDueToError`). */
  get canceled(): boolean {
    return this.#canceled;
  }
  /** Resolves when the deployment is canceled (the engine then cancels the program). */
  readonly whenCanceled: Promise<void>;
  #canceled = false;
  #onCancel: () => void = () => undefined;
  /** Whether any step failed. */
  sawError = false;
  /** The resources as they stand now, keyed by URN (old ones until a step replaces them). */
  readonly olds: Map<string, CheckpointResource>;
  readonly #news = new Map<string, CheckpointResource>();
  readonly #failed = new Set<string>();
  readonly #pendingDeletes: CheckpointResource[] = [];
  readonly #workers: Workers;
  #loop: Promise<unknown> = Promise.resolve();
  #defaultProvider: Promise<CheckpointResource> | undefined;

  constructor(
    old: CheckpointResource[],
    readonly options: DeploymentOptions,
  ) {
    this.olds = new Map(old.map((resource) => [resource.urn, structuredClone(resource)]));
    this.#workers = new Workers(options.parallel);
    this.whenCanceled = new Promise((resolve) => (this.#onCancel = resolve));
  }

  #cancel(): void {
    this.#canceled = true;
    this.#onCancel();
  }

  /** The URN the engine assigns (resource/urn.go `NewURN`: the parent's type chain unless the parent is the stack). */
  urnOf(type: string, name: string, parent: string): string {
    const parentType = parent ? parent.split("::")[2] : undefined;
    const qualified = parentType && parentType !== STACK_TYPE ? `${parentType}$${type}` : type;
    return `urn:pulumi:${this.options.stack}::${this.options.project}::${qualified}::${name}`;
  }

  /** Runs `work` on the deployment loop: one at a time, in registration order (deployment_executor.go `handleSingleEvent`). */
  #onLoop<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#loop.then(work);
    this.#loop = result.catch(() => undefined);
    return result;
  }

  /** Records a failed step; cancels the deployment unless `--continue-on-error`. */
  #recordFailure(urn: string, error: unknown): string {
    const message = error instanceof Error ? error.message : String(error);
    this.sawError = true;
    this.#failed.add(urn);
    this.steps.push({ urn, op: "same", error: message });
    if (!this.options.continueOnError) this.#cancel();
    return message;
  }

  #fail(urn: string, error: unknown): never {
    throw new StepFailed(this.#recordFailure(urn, error));
  }

  #checkNotCanceled(urn: string): void {
    if (this.canceled) throw new MonitorShutDown(`resource monitor shut down while waiting on step's done channel (${urn})`);
  }

  /** The default provider resource for `pkg`, registered once (providers/registry.go, step_generator.go `getProviderReference`). */
  #ensureDefaultProvider(pkg: string): Promise<CheckpointResource> {
    this.#defaultProvider ??= (async () => {
      const urn = this.urnOf(providerType(pkg), "default", "");
      const old = this.olds.get(urn);
      const inputs = configAsProviderInputs(this.options.config);
      const resource: CheckpointResource = { urn, custom: true, type: providerType(pkg), id: old?.id ?? randomUUID(), inputs, outputs: inputs };
      this.#news.set(urn, resource);
      this.steps.push({ urn, op: !old ? "create" : isDeepStrictEqual(old.inputs, inputs) ? "same" : "update" });
      return resource;
    })();
    return this.#defaultProvider;
  }

  /**
   * `RegisterResource`: generate the resource's steps on the loop, execute
   * them on a worker, answer with the outputs. A failed step is answered only
   * with `--continue-on-error` (result FAIL; SKIP for its dependents);
   * otherwise the deployment is canceled and the monitor shuts down.
   */
  async registerResource(registration: Registration): Promise<Registered> {
    const urn = this.urnOf(registration.type, registration.name, registration.parent);
    this.#checkNotCanceled(urn);
    const skippedFor = [registration.parent, ...registration.dependencies].find((dependency) => this.#failed.has(dependency));
    if (skippedFor) {
      this.#failed.add(urn);
      if (registration.supportsResultReporting) return { urn, id: "", outputs: {}, result: "skip" };
      throw new Error(`${urn} was skipped: it depends on ${skippedFor}, which failed`);
    }
    try {
      return await this.#register(urn, registration);
    } catch (error) {
      if (error instanceof StepFailed && this.options.continueOnError && registration.supportsResultReporting) return { urn, id: "", outputs: {}, result: "fail" };
      if (error instanceof StepFailed) throw new MonitorShutDown(`resource monitor shut down while waiting on step's done channel (${urn})`);
      throw error;
    }
  }

  async #register(urn: string, registration: Registration): Promise<Registered> {
    const old = this.olds.get(urn);
    const base: CheckpointResource = {
      urn,
      custom: registration.custom,
      type: registration.type,
      inputs: {},
      outputs: {},
      ...(registration.parent ? { parent: registration.parent } : {}),
      ...(registration.protect ? { protect: true } : {}),
      ...(registration.retainOnDelete ? { retainOnDelete: true } : {}),
      ...(registration.dependencies.length > 0 ? { dependencies: registration.dependencies } : {}),
    };
    if (!registration.custom) {
      this.#news.set(urn, { ...base, outputs: old?.outputs ?? {} });
      this.steps.push({ urn, op: old ? "same" : "create" });
      return { urn, id: "", outputs: {} };
    }
    const provider = await this.#ensureDefaultProvider(registration.type.split(":")[0]!);
    const host = await this.options.programProvider();
    const resource: CheckpointResource = { ...base, provider: `${provider.urn}::${provider.id}` };
    const program = unwrapSecrets(registration.inputs) as Props;
    const plan = await this.#onLoop(() => this.#generate(host, urn, old, program, registration));
    this.#checkNotCanceled(urn);
    return this.#workers.run(() => this.#execute(host, resource, old, plan));
  }

  /** Check then Diff, on the loop (step_generator.go `GenerateSteps`). A Check failure aborts the run. */
  async #generate(host: ProviderHost, urn: string, old: CheckpointResource | undefined, program: Props, registration: Registration): Promise<{ op: StepOp; inputs: Props; deleteBeforeReplace: boolean }> {
    this.#checkNotCanceled(urn);
    const news = old ? ignoringChanges(program, old.inputs, registration.ignoreChanges) : program;
    const checked = await host.check(urn, old?.inputs ?? {}, news).catch((error: unknown) => this.#abort(urn, error));
    if (checked.failures.length > 0) this.#abort(urn, checked.failures.map((failure) => `${failure.property}: ${failure.reason}`).join("\n"));
    if (!old) return { op: "create", inputs: checked.inputs, deleteBeforeReplace: false };
    const diff = await host.diff(urn, old.id ?? "", old.outputs, old.inputs, checked.inputs).catch((error: unknown) => this.#abort(urn, error));
    const changed = diff.changes === "some" || (diff.changes === "unknown" && !isDeepStrictEqual(old.inputs, checked.inputs));
    if (!changed) return { op: "same", inputs: checked.inputs, deleteBeforeReplace: false };
    if (diff.replaces.length === 0) return { op: "update", inputs: checked.inputs, deleteBeforeReplace: false };
    if (old.protect) this.#fail(urn, protectedMessage(urn, "replace"));
    const replacement = await host.check(urn, {}, news).catch((error: unknown) => this.#abort(urn, error));
    return { op: "replace", inputs: replacement.inputs, deleteBeforeReplace: registration.deleteBeforeReplace ?? diff.deleteBeforeReplace };
  }

  #abort(urn: string, error: unknown): never {
    this.#cancel();
    return this.#fail(urn, error);
  }

  async #execute(host: ProviderHost, resource: CheckpointResource, old: CheckpointResource | undefined, plan: { op: StepOp; inputs: Props; deleteBeforeReplace: boolean }): Promise<Registered> {
    const urn = resource.urn;
    this.#checkNotCanceled(urn);
    try {
      let next: CheckpointResource;
      if (plan.op === "same") next = { ...resource, id: old!.id!, inputs: plan.inputs, outputs: old!.outputs };
      else if (this.options.dryRun) next = { ...resource, id: old?.id ?? "", inputs: plan.inputs, outputs: plan.inputs };
      else if (plan.op === "update") next = { ...resource, id: old!.id!, inputs: plan.inputs, outputs: await host.update(urn, old!.id!, old!.outputs, old!.inputs, plan.inputs) };
      else {
        if (plan.op === "replace" && plan.deleteBeforeReplace) await this.#deleteOne(host, old!);
        const created = await host.create(urn, plan.inputs);
        next = { ...resource, id: created.id, inputs: plan.inputs, outputs: created.outputs };
        if (plan.op === "replace" && !plan.deleteBeforeReplace) this.#pendingDeletes.push(old!);
      }
      this.#news.set(urn, next);
      this.steps.push({ urn, op: plan.op, ...(old && plan.op !== "same" ? { detail: changedProperties(old.inputs, plan.inputs) } : {}) });
      return { urn, id: next.id ?? "", outputs: next.outputs };
    } catch (error) {
      return this.#fail(urn, error);
    }
  }

  async #deleteOne(host: ProviderHost, old: CheckpointResource): Promise<void> {
    if (old.protect) throw new Error(protectedMessage(old.urn, "delete"));
    if (old.custom && !isProvider(old) && !old.retainOnDelete && !this.options.dryRun) {
      await host.delete(old.urn, old.id ?? "", old.outputs, old.inputs);
    }
  }

  /** `RegisterResourceOutputs`: the stack's and components' outputs. */
  registerResourceOutputs(urn: string, outputs: Props): void {
    const resource = this.#news.get(urn);
    if (resource) resource.outputs = outputs;
  }

  /** A diagnostic from the program. */
  log(severity: string, message: string, urn: string): void {
    if (severity === "error" || severity === "warning") this.diagnostics.push(`${severity}: ${urn ? `${urn}: ` : ""}${message}`);
  }

  /**
   * Refresh every custom resource (deployment_executor.go `refresh`): `Read`
   * on the workers with the provider configured from state, then the
   * reversed `Diff`; an empty id drops the resource.
   */
  async refreshAll(): Promise<void> {
    const resources = [...this.olds.values()].filter((resource) => resource.custom && !isProvider(resource));
    if (resources.length === 0) return;
    const host = await this.options.stateProvider();
    await Promise.all(
      resources.map((resource) =>
        this.#workers.run(async () => {
          if (this.canceled) return;
          try {
            const read = await host.read(resource.urn, resource.id ?? "", resource.outputs, resource.inputs);
            if (read.id === "") {
              this.olds.delete(resource.urn);
              this.steps.push({ urn: resource.urn, op: "refresh", refresh: "gone" });
              return;
            }
            const refreshed = { ...resource, id: read.id, outputs: read.outputs, inputs: read.inputs ?? resource.inputs };
            const diff = await host.diff(resource.urn, read.id, refreshed.outputs, refreshed.inputs, resource.inputs);
            const changed = diff.changes === "some" || (diff.changes === "unknown" && !isDeepStrictEqual(refreshed.outputs, resource.outputs));
            this.olds.set(resource.urn, refreshed);
            this.steps.push({ urn: resource.urn, op: "refresh", refresh: changed ? "changed" : "unchanged", ...(changed ? { detail: changedProperties(resource.outputs, refreshed.outputs) } : {}) });
          } catch (error) {
            this.#recordFailure(resource.urn, error);
          }
        }),
      ),
    );
  }

  /**
   * After the program: delete what it no longer declares, and the old halves
   * of create-before-delete replacements, in reverse order on the workers
   * (step_generator.go `GenerateDeletes`, `ScheduleDeletes`). `destroy` is
   * this with nothing declared.
   */
  async deleteRemoved(): Promise<void> {
    if (this.canceled) return;
    const registered = new Set(this.#news.keys());
    const removed = [...this.olds.values()].filter((resource) => !registered.has(resource.urn)).reverse();
    const doomed = [...this.#pendingDeletes, ...removed.filter((resource) => resource.custom && !isProvider(resource))];
    if (doomed.length > 0) {
      // Once the program registered the default provider, the registry holds it with the current config (registry.go `Update`).
      const host = this.#defaultProvider ? await this.options.programProvider() : await this.options.stateProvider();
      await Promise.all(
        doomed.map((old) =>
          this.#workers.run(async () => {
            if (this.canceled) return;
            try {
              await this.#deleteOne(host, old);
              if (!this.#pendingDeletes.includes(old)) {
                this.olds.delete(old.urn);
                this.steps.push({ urn: old.urn, op: "delete" });
              }
            } catch (error) {
              this.#recordFailure(old.urn, error);
            }
          }),
        ),
      );
    }
    // Components and the stack go after their children, and only when no child is left (a parent is never deleted before its children).
    for (const component of removed.filter((resource) => !resource.custom)) {
      if (this.canceled || [...this.olds.values()].some((resource) => resource.parent === component.urn)) continue;
      this.olds.delete(component.urn);
      this.steps.push({ urn: component.urn, op: "delete" });
    }
    for (const provider of removed.filter(isProvider)) if (!this.canceled && !this.sawError) this.olds.delete(provider.urn);
  }

  /**
   * The checkpoint after this deployment (the snapshot manager's merge):
   * resources the deployment stepped, then the old resources it did not
   * reach, which stay as they were.
   */
  resources(): CheckpointResource[] {
    const merged = new Map<string, CheckpointResource>();
    for (const [urn, resource] of this.#news) merged.set(urn, resource);
    for (const [urn, resource] of this.olds) if (!merged.has(urn) && !this.#deletedOrReplacedAway(urn)) merged.set(urn, resource);
    return [...merged.values()];
  }

  #deletedOrReplacedAway(urn: string): boolean {
    return this.steps.some((step) => step.urn === urn && step.op === "delete" && !step.error);
  }
}

/** step_generator.go `processIgnoreChanges`: ignored top-level properties keep their old values. */
function ignoringChanges(news: Props, oldInputs: Props, ignoreChanges: string[]): Props {
  if (ignoreChanges.length === 0) return news;
  const result = { ...news };
  for (const key of ignoreChanges) {
    if (key in oldInputs) result[key] = oldInputs[key];
    else delete result[key];
  }
  return result;
}

/** The engine's refusal to touch a protected resource (step_generator.go). */
function protectedMessage(urn: string, action: "delete" | "replace"): string {
  return `unable to ${action} resource "${urn}"\nas it is currently marked for protection. To unprotect the resource, remove the \`protect\` flag from the resource in your Pulumi program and run \`pulumi up\``;
}

/** `key: old => new` for each top-level property that differs, `__provider` aside. */
function changedProperties(olds: Props, news: Props): string {
  const keys = [...new Set([...Object.keys(olds), ...Object.keys(news)])].filter((key) => key !== "__provider" && !isDeepStrictEqual(olds[key], news[key]));
  return keys.map((key) => `${key}: ${JSON.stringify(olds[key])} => ${JSON.stringify(news[key])}`).join(", ");
}
