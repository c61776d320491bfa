/**
 * Starts `@pulumi/pulumi`'s dynamic provider host (`cmd/dynamic-provider`,
 * the process behind the engine's `pulumi-resource-pulumi-nodejs` plugin) and
 * speaks the ResourceProvider gRPC protocol to it, with the stubs shipped in
 * `@pulumi/pulumi/proto`.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { once } from "node:events";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import type { ConfigValue } from "./stack";

/** A property bag as the engine sends it (plain JSON values). */
export type Props = Record<string, unknown>;

/** The marker the engine wraps secret config values in. */
const SECRET_SIGNATURE_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270";

/** How to start the host, as the engine does (sdk/go/common/resource/plugin/provider_plugin.go `NewProvider`). */
export interface HostOptions {
  /** The program's working directory: the engine starts plugins in `ctx.Pwd` (ENGINE.md, "working directory"). */
  projectDir: string;
  /** The project name (`PULUMI_NODEJS_PROJECT`, `PULUMI_PROJECT`). */
  project: string;
  /** The environment the engine passes on (the user's shell). */
  env: NodeJS.ProcessEnv;
  /** Pulumi.yaml's runtime options, passed as `PULUMI_RUNTIME_<KEY>`. */
  runtimeOptions?: Record<string, unknown>;
  /** The stack config as `PULUMI_CONFIG` (JSON). */
  config?: Record<string, ConfigValue>;
}

/** An RPC the host refused; `details` is what the engine would show. */
export class HostRpcError extends Error {
  override readonly name = "HostRpcError";
  /** The gRPC status code. */
  readonly grpcCode: number;

  constructor(method: string, error: grpc.ServiceError) {
    super(`${method}: ${error.details}`);
    this.grpcCode = error.code;
  }
}

/** Drops `undefined` values, as the engine's property marshalling does; keeps NaN and ±Infinity (protobuf doubles). */
function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUndefined);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, inner]) => inner !== undefined)
      .map(([key, inner]) => [key, withoutUndefined(inner)]),
  );
}

function toStruct(props: Props): Struct {
  return Struct.fromJavaScript(withoutUndefined(props) as Record<string, never>);
}

function fromStruct(struct: Struct | undefined): Props {
  return (struct?.toJavaScript() ?? {}) as Props;
}

/** A running provider host and a gRPC client connected to it. */
export class ProviderHost {
  /** Everything the host printed on stdout and stderr (shown to the user by the engine). */
  output = "";
  readonly #process: ChildProcessWithoutNullStreams;
  readonly #client: provrpc.ResourceProviderClient;

  private constructor(child: ChildProcessWithoutNullStreams, port: number, initialOutput: string) {
    this.#process = child;
    this.output = initialOutput;
    this.#client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  }

  /**
   * Starts the host the way the engine does: from the project directory, with
   * the engine's address as the only argument, reading the port from the first
   * line of stdout.
   */
  static async start(options: HostOptions): Promise<ProviderHost> {
    // The engine passes its own gRPC address; this host version only checks that one is given.
    const engineAddress = "127.0.0.1:1";
    // pulumi-resource-pulumi-nodejs: `node -e "require.resolve('@pulumi/pulumi/cmd/dynamic-provider')"` from the working directory.
    const script = require.resolve("@pulumi/pulumi/cmd/dynamic-provider", { paths: [options.projectDir] });
    const env: NodeJS.ProcessEnv = { ...options.env };
    for (const [key, value] of Object.entries(options.runtimeOptions ?? {}))
      env[`PULUMI_RUNTIME_${key.toUpperCase()}`] = String(value);
    env.PULUMI_NODEJS_PROJECT = options.project;
    env.PULUMI_PROJECT = options.project;
    if (options.config)
      env.PULUMI_CONFIG = JSON.stringify(
        Object.fromEntries(Object.entries(options.config).map(([key, { value }]) => [key, value])),
      );
    const child = spawn(process.execPath, [script, engineAddress], { cwd: options.projectDir, env });
    let output = "";
    const port = await new Promise<number>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        const newline = output.indexOf("\n");
        if (newline >= 0) {
          child.stdout.off("data", onData);
          const port = Number(output.slice(0, newline).trim());
          output = output.slice(newline + 1);
          if (Number.isInteger(port) && port > 0) resolve(port);
          else reject(new Error(`provider host printed no port: ${output}`));
        }
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.once("exit", (code) => reject(new Error(`provider host exited with ${code}: ${output}`)));
    });
    const host = new ProviderHost(child, port, output);
    child.stdout.on("data", (chunk: Buffer) => (host.output += chunk.toString()));
    child.stderr.removeAllListeners("data");
    child.stderr.on("data", (chunk: Buffer) => (host.output += chunk.toString()));
    return host;
  }

  #call<Req, Res>(method: string, request: Req): Promise<Res> {
    return new Promise((resolve, reject) => {
      const fn = (
        this.#client as unknown as Record<string, (r: Req, cb: (e: grpc.ServiceError | null, r: Res) => void) => void>
      )[method];
      if (!fn) throw new Error(`no RPC ${method}`);
      fn.call(this.#client, request, (error, response) =>
        error ? reject(new HostRpcError(method, error)) : resolve(response),
      );
    });
  }

  /** `Handshake`: the engine tries it first and falls back when it is unimplemented. */
  async handshake(): Promise<number | undefined> {
    try {
      await this.#call("handshake", new provproto.ProviderHandshakeRequest());
      return undefined;
    } catch (error) {
      return (error as HostRpcError).grpcCode;
    }
  }

  /**
   * `CheckConfig` and `DiffConfig`, as the registry sends them on every
   * provider registration; the dynamic provider answers UNIMPLEMENTED and the
   * engine falls back to the news as they are (provider_plugin.go `CheckConfig`).
   * Returns the gRPC codes.
   */
  async checkAndDiffConfig(urn: string, olds: Props, news: Props): Promise<number[]> {
    const codes: number[] = [];
    for (const [method, request] of [
      ["checkConfig", new provproto.CheckRequest()],
      ["diffConfig", new provproto.DiffRequest()],
    ] as const) {
      request.setUrn(urn);
      request.setOlds(toStruct(olds));
      request.setNews(toStruct(news));
      try {
        await this.#call(method, request);
        codes.push(0);
      } catch (error) {
        const code = (error as HostRpcError).grpcCode;
        if (code !== grpc.status.UNIMPLEMENTED && code !== grpc.status.INTERNAL) throw error;
        codes.push(code);
      }
    }
    return codes;
  }

  /** `GetPluginInfo`: the host's version. */
  async getPluginInfo(): Promise<string> {
    const info = await this.#call<Empty, { getVersion(): string }>("getPluginInfo", new Empty());
    return info.getVersion();
  }

  /**
   * `Configure` with the whole stack config: keys namespaced, values as
   * strings, secrets wrapped in the engine's secret marker.
   */
  async configure(config: Record<string, ConfigValue>): Promise<provproto.ConfigureResponse> {
    const request = new provproto.ConfigureRequest();
    const args: Props = {};
    for (const [key, { value, secret }] of Object.entries(config)) {
      args[key] = secret ? { [SECRET_SIGNATURE_KEY]: SECRET_SIGNATURE, value } : value;
      request.getVariablesMap().set(key, value);
    }
    request.setArgs(toStruct(args));
    request.setAcceptsecrets(true);
    request.setAcceptresources(true);
    return this.#call("configure", request);
  }

  /** `Check(olds, news)`: the checked inputs and any failures. */
  async check(
    urn: string,
    olds: Props,
    news: Props,
  ): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }> {
    const request = new provproto.CheckRequest();
    request.setUrn(urn);
    request.setOlds(toStruct(olds));
    request.setNews(toStruct(news));
    const response = await this.#call<provproto.CheckRequest, provproto.CheckResponse>("check", request);
    return {
      inputs: fromStruct(response.getInputs()),
      failures: response.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
    };
  }

  /** `Diff(id, olds = old outputs, old_inputs, news)`. */
  async diff(
    urn: string,
    id: string,
    oldOutputs: Props,
    oldInputs: Props,
    news: Props,
  ): Promise<{ changes: "some" | "none" | "unknown"; replaces: string[]; deleteBeforeReplace: boolean }> {
    const request = new provproto.DiffRequest();
    request.setUrn(urn);
    request.setId(id);
    request.setOlds(toStruct(oldOutputs));
    request.setOldInputs(toStruct(oldInputs));
    request.setNews(toStruct(news));
    const response = await this.#call<provproto.DiffRequest, provproto.DiffResponse>("diff", request);
    const kinds = provproto.DiffResponse.DiffChanges;
    const changes =
      response.getChanges() === kinds.DIFF_SOME
        ? "some"
        : response.getChanges() === kinds.DIFF_NONE
          ? "none"
          : "unknown";
    return { changes, replaces: response.getReplacesList(), deleteBeforeReplace: response.getDeletebeforereplace() };
  }

  /** `Create(properties = checked inputs)`. */
  async create(urn: string, properties: Props): Promise<{ id: string; outputs: Props }> {
    const request = new provproto.CreateRequest();
    request.setUrn(urn);
    request.setProperties(toStruct(properties));
    request.setPreview(false);
    const response = await this.#call<provproto.CreateRequest, provproto.CreateResponse>("create", request);
    return { id: response.getId(), outputs: fromStruct(response.getProperties()) };
  }

  /** `Read(id, properties = old outputs, inputs = old inputs)`; id "" means the resource is gone. */
  async read(
    urn: string,
    id: string,
    properties?: Props,
    inputs?: Props,
  ): Promise<{ id: string; outputs: Props; inputs?: Props }> {
    const request = new provproto.ReadRequest();
    request.setUrn(urn);
    request.setId(id);
    if (properties) request.setProperties(toStruct(properties));
    if (inputs) request.setInputs(toStruct(inputs));
    const response = await this.#call<provproto.ReadRequest, provproto.ReadResponse>("read", request);
    return {
      id: response.getId(),
      outputs: fromStruct(response.getProperties()),
      inputs: response.hasInputs() ? fromStruct(response.getInputs()) : undefined,
    };
  }

  /** `Update(id, olds = old outputs, old_inputs, news = checked inputs)`. */
  async update(urn: string, id: string, oldOutputs: Props, oldInputs: Props, news: Props): Promise<Props> {
    const request = new provproto.UpdateRequest();
    request.setUrn(urn);
    request.setId(id);
    request.setOlds(toStruct(oldOutputs));
    request.setOldInputs(toStruct(oldInputs));
    request.setNews(toStruct(news));
    request.setPreview(false);
    const response = await this.#call<provproto.UpdateRequest, provproto.UpdateResponse>("update", request);
    return fromStruct(response.getProperties());
  }

  /** `Delete(id, properties = outputs)`. */
  async delete(urn: string, id: string, outputs: Props, oldInputs: Props): Promise<void> {
    const request = new provproto.DeleteRequest();
    request.setUrn(urn);
    request.setId(id);
    request.setProperties(toStruct(outputs));
    request.setOldInputs(toStruct(oldInputs));
    await this.#call("delete", request);
  }

  /** The host's process id (for resource measurements). */
  get pid(): number {
    return this.#process.pid ?? -1;
  }

  /**
   * Shuts the host down as the engine does when a deployment ends: `Cancel`,
   * then SIGINT, then SIGKILL if it has not exited after 5 s (ENGINE.md, "shutdown").
   */
  async stop(): Promise<void> {
    if (this.#process.exitCode === null && this.#process.signalCode === null) {
      const exited = once(this.#process, "exit");
      await this.#call("cancel", new Empty()).catch(() => undefined);
      this.#process.kill("SIGINT");
      const timer = setTimeout(() => this.#process.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    this.#client.close();
  }
}
