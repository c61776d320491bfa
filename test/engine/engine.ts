/**
 * Drives a {@link ProviderHost} exactly as the Pulumi engine does for each
 * command (shared/pulumi-engine-protocol.md): which RPCs, in which order, with
 * which property bags, and what ends up in state. Every ready resource is
 * stepped at once, as with the engine's default parallelism.
 */
import { isDeepStrictEqual } from "node:util";
import type { ConfigValue, ProviderHost, Props } from "./providerHost";

/** The engine's marker for a value not known during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A resource the program registers: its name, type token and inputs (with `__provider`). */
export interface DesiredResource {
  name: string;
  type: string;
  inputs: Props;
  /** The `deleteBeforeReplace` resource option. */
  deleteBeforeReplace?: boolean;
}

/** One resource in the stack's state. */
export interface ResourceState {
  urn: string;
  name: string;
  type: string;
  id: string;
  inputs: Props;
  outputs: Props;
}

/** What a command did to one resource. */
export interface Step {
  name: string;
  op: "create" | "update" | "replace" | "same" | "delete" | "refresh" | "gone" | "failed";
  /** The failure the engine would print for this resource. */
  error?: string;
}

/** The outcome of one command. */
export interface CommandResult {
  steps: Step[];
  /** The failures, as the engine would print them. */
  errors: string[];
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** The Pulumi engine's step generator for one stack, reduced to what a dynamic provider sees. */
export class Engine {
  /** The stack's state: what the engine would store in its backend. */
  state = new Map<string, ResourceState>();

  constructor(
    readonly host: ProviderHost,
    readonly project: string,
    readonly stack: string,
  ) {}

  /** Starts the session as the engine does: Handshake (unimplemented), GetPluginInfo, Configure with the whole stack config. */
  async configure(config: Record<string, ConfigValue>): Promise<void> {
    await this.host.handshake();
    await this.host.getPluginInfo();
    await this.host.configure(config);
  }

  /** The resource's URN. */
  urn(resource: Pick<DesiredResource, "type" | "name">): string {
    return `urn:pulumi:${this.stack}::${this.project}::${resource.type}::${resource.name}`;
  }

  /** `pulumi preview [--refresh]`: Read (with refresh), Check and Diff only; state is not written. */
  preview(program: DesiredResource[], options: { refresh?: boolean } = {}): Promise<CommandResult> {
    return this.#deploy(program, { preview: true, refresh: options.refresh ?? false });
  }

  /** `pulumi up [--refresh]`. */
  up(program: DesiredResource[], options: { refresh?: boolean } = {}): Promise<CommandResult> {
    return this.#deploy(program, { preview: false, refresh: options.refresh ?? false });
  }

  /** `pulumi refresh`: Read every resource and write what was read. */
  async refresh(): Promise<CommandResult> {
    const steps = await this.#refresh(this.state);
    return { steps, errors: errorsOf(steps) };
  }

  /** `pulumi destroy`: Delete every resource with the `__provider` stored in state. */
  async destroy(): Promise<CommandResult> {
    const steps = await Promise.all(
      [...this.state.values()].reverse().map(async (resource): Promise<Step> => {
        try {
          await this.host.delete(resource.urn, resource.id, resource.outputs, resource.inputs);
          this.state.delete(resource.urn);
          return { name: resource.name, op: "delete" };
        } catch (error) {
          return { name: resource.name, op: "failed", error: (error as Error).message };
        }
      }),
    );
    return { steps, errors: errorsOf(steps) };
  }

  async #refresh(state: Map<string, ResourceState>): Promise<Step[]> {
    return Promise.all(
      [...state.values()].map(async (resource): Promise<Step> => {
        try {
          const read = await this.host.read(resource.urn, resource.id, resource.outputs, resource.inputs);
          if (read.id === "") {
            state.delete(resource.urn);
            return { name: resource.name, op: "gone" };
          }
          state.set(resource.urn, { ...resource, id: read.id, outputs: read.outputs, inputs: read.inputs ?? resource.inputs });
          return { name: resource.name, op: "refresh" };
        } catch (error) {
          return { name: resource.name, op: "failed", error: (error as Error).message };
        }
      }),
    );
  }

  async #deploy(program: DesiredResource[], options: { preview: boolean; refresh: boolean }): Promise<CommandResult> {
    const state = options.preview ? clone(this.state) : this.state;
    const refreshSteps = options.refresh ? await this.#refresh(state) : [];
    if (errorsOf(refreshSteps).length > 0) return { steps: refreshSteps, errors: errorsOf(refreshSteps) };
    const pendingDeletes: ResourceState[] = [];
    const steps = await Promise.all(program.map((resource) => this.#step(resource, state, options.preview, pendingDeletes)));
    const wanted = new Set(program.map((resource) => this.urn(resource)));
    const removed = [...state.values()].filter((resource) => !wanted.has(resource.urn));
    const errors = errorsOf(steps);
    if (errors.length === 0) {
      for (const resource of removed.reverse()) {
        if (!options.preview) {
          try {
            await this.host.delete(resource.urn, resource.id, resource.outputs, resource.inputs);
            state.delete(resource.urn);
          } catch (error) {
            steps.push({ name: resource.name, op: "failed", error: (error as Error).message });
            continue;
          }
        }
        steps.push({ name: resource.name, op: "delete" });
      }
      if (!options.preview) {
        for (const old of pendingDeletes) await this.host.delete(old.urn, old.id, old.outputs, old.inputs);
      }
    }
    return { steps: [...refreshSteps, ...steps], errors: errorsOf(steps) };
  }

  async #step(resource: DesiredResource, state: Map<string, ResourceState>, preview: boolean, pendingDeletes: ResourceState[]): Promise<Step> {
    const urn = this.urn(resource);
    const old = state.get(urn);
    try {
      if (!old) {
        const inputs = await this.#check(urn, {}, resource.inputs);
        if (!preview) await this.#create(resource, urn, inputs, state);
        return { name: resource.name, op: "create" };
      }
      const inputs = await this.#check(urn, old.inputs, resource.inputs);
      const diff = await this.host.diff(urn, old.id, old.outputs, old.inputs, inputs);
      const changed = diff.changes === "some" || (diff.changes === "unknown" && !isDeepStrictEqual(old.inputs, inputs));
      if (!changed) {
        state.set(urn, { ...old, inputs });
        return { name: resource.name, op: "same" };
      }
      if (diff.replaces.length > 0) {
        const replacementInputs = await this.#check(urn, {}, resource.inputs);
        if (preview) return { name: resource.name, op: "replace" };
        if (diff.deleteBeforeReplace || resource.deleteBeforeReplace) {
          await this.host.delete(old.urn, old.id, old.outputs, old.inputs);
          await this.#create(resource, urn, replacementInputs, state);
        } else {
          await this.#create(resource, urn, replacementInputs, state);
          pendingDeletes.push(old);
        }
        return { name: resource.name, op: "replace" };
      }
      if (!preview) {
        const outputs = await this.host.update(urn, old.id, old.outputs, old.inputs, inputs);
        state.set(urn, { ...old, inputs, outputs });
      }
      return { name: resource.name, op: "update" };
    } catch (error) {
      return { name: resource.name, op: "failed", error: (error as Error).message };
    }
  }

  async #check(urn: string, olds: Props, news: Props): Promise<Props> {
    const { inputs, failures } = await this.host.check(urn, olds, news);
    if (failures.length > 0) {
      throw new Error(failures.map((failure) => `${urn}: property ${failure.property}: ${failure.reason}`).join("\n"));
    }
    return inputs;
  }

  async #create(resource: DesiredResource, urn: string, inputs: Props, state: Map<string, ResourceState>): Promise<void> {
    const created = await this.host.create(urn, inputs);
    state.set(urn, { urn, name: resource.name, type: resource.type, id: created.id, inputs, outputs: created.outputs });
  }
}

function errorsOf(steps: Step[]): string[] {
  return steps.filter((step) => step.error !== undefined).map((step) => `${step.name}: ${step.error}`);
}
