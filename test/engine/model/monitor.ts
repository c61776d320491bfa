/**
 * The engine's side of the program connection: the ResourceMonitor and Engine
 * gRPC services that `@pulumi/pulumi`'s run-time (cmd/run) dials with
 * `--monitor` and `--engine` (pkg/resource/deploy/source_eval.go
 * `resmon`; pkg/engine/... `engineServer`). Each RPC is translated into a
 * call on {@link ProgramEvents}; the deployment decides.
 */
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as resrpc from "@pulumi/pulumi/proto/resource_grpc_pb";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";
import * as engrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as engproto from "@pulumi/pulumi/proto/engine_pb";
import type { Props } from "../providerHost";

/** One `RegisterResource` call, as the deployment needs it. */
export interface Registration {
  type: string;
  name: string;
  parent: string;
  custom: boolean;
  inputs: Props;
  provider: string;
  dependencies: string[];
  protect: boolean;
  /** The `deleteBeforeReplace` option, only when the program set it. */
  deleteBeforeReplace?: boolean;
  ignoreChanges: string[];
  /** The `retainOnDelete` option, only when the program set it. */
  retainOnDelete?: boolean;
  /** Whether the SDK understands a `result` of FAIL or SKIP instead of an error. */
  supportsResultReporting: boolean;
}

/** What `RegisterResource` answers. */
export interface Registered {
  urn: string;
  id: string;
  outputs: Props;
  /** With `--continue-on-error`: the step failed, or was skipped for a failed dependency (source_eval.go `RegisterResource`). */
  result?: "fail" | "skip";
}

/**
 * The monitor shut down before the step finished: what every pending and
 * later registration gets once a deployment is canceled (source_eval.go:
 * "resource monitor shut down while waiting on step's done channel"). The
 * SDK takes UNAVAILABLE as "terminating" and stops quietly.
 */
export class MonitorShutDown extends Error {}

/** What the program tells the engine. */
export interface ProgramEvents {
  registerResource(registration: Registration): Promise<Registered>;
  registerResourceOutputs(urn: string, outputs: Props): void;
  /** A diagnostic the program logged (`pulumi.log`, uncaught errors). */
  log(severity: "debug" | "info" | "warning" | "error", message: string, urn: string): void;
}

/**
 * Features the model answers "yes" to in `SupportsFeature`. The engine says
 * yes to more (transforms, hooks, parameterization), none of which this
 * project's programs use; for a custom resource with plain inputs the SDK's
 * wire format does not depend on them (sdk/nodejs/runtime/resource.ts
 * `prepareResource`: output values are kept only for remote components).
 */
const FEATURES = new Set(["secrets", "resourceReferences", "deletedWith", "aliasSpecs"]);

const SEVERITIES = ["debug", "info", "warning", "error"] as const;

type Callback<T> = (error: grpc.ServiceError | null, value?: T) => void;

function fail(callback: Callback<never>, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof MonitorShutDown ? grpc.status.UNAVAILABLE : grpc.status.UNKNOWN;
  callback({ name: "Error", message, code, details: message, metadata: new grpc.Metadata() });
}

/** The two gRPC servers a program run talks to, on one loopback port each. */
export class ProgramServers {
  /** `host:port` of the ResourceMonitor. */
  monitorAddress = "";
  /** `host:port` of the Engine service. */
  engineAddress = "";
  #root = "";
  readonly #servers: grpc.Server[] = [];

  private constructor(readonly events: ProgramEvents) {}

  /** Starts both services on 127.0.0.1. */
  static async start(events: ProgramEvents): Promise<ProgramServers> {
    const servers = new ProgramServers(events);
    servers.monitorAddress = await servers.#listen((server) => server.addService(resrpc.ResourceMonitorService, servers.#monitor() as never));
    servers.engineAddress = await servers.#listen((server) => server.addService(engrpc.EngineService, servers.#engine() as never));
    return servers;
  }

  async #listen(register: (server: grpc.Server) => void): Promise<string> {
    const server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
    register(server);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    this.#servers.push(server);
    return `127.0.0.1:${port}`;
  }

  #monitor(): Record<string, unknown> {
    return {
      supportsFeature: (call: { request: resproto.SupportsFeatureRequest }, callback: Callback<resproto.SupportsFeatureResponse>) => {
        const response = new resproto.SupportsFeatureResponse();
        response.setHassupport(FEATURES.has(call.request.getId()));
        callback(null, response);
      },
      registerResource: (call: { request: resproto.RegisterResourceRequest }, callback: Callback<resproto.RegisterResourceResponse>) => {
        const request = call.request;
        const registration: Registration = {
          type: request.getType(),
          name: request.getName(),
          parent: request.getParent(),
          custom: request.getCustom(),
          inputs: (request.getObject()?.toJavaScript() ?? {}) as Props,
          provider: request.getProvider(),
          dependencies: request.getDependenciesList(),
          protect: request.getProtect() ?? false,
          ignoreChanges: request.getIgnorechangesList(),
          ...(request.getDeletebeforereplacedefined() ? { deleteBeforeReplace: request.getDeletebeforereplace() } : {}),
          ...(request.hasRetainondelete() ? { retainOnDelete: request.getRetainondelete() ?? false } : {}),
          supportsResultReporting: request.getSupportsresultreporting(),
        };
        this.events.registerResource(registration).then(
          (registered) => {
            const response = new resproto.RegisterResourceResponse();
            response.setUrn(registered.urn);
            response.setId(registered.id);
            response.setObject(Struct.fromJavaScript(registered.outputs as Record<string, never>));
            if (registered.result) response.setResult(registered.result === "fail" ? resproto.Result.FAIL : resproto.Result.SKIP);
            callback(null, response);
          },
          (error: unknown) => fail(callback, error),
        );
      },
      registerResourceOutputs: (call: { request: resproto.RegisterResourceOutputsRequest }, callback: Callback<Empty>) => {
        this.events.registerResourceOutputs(call.request.getUrn(), (call.request.getOutputs()?.toJavaScript() ?? {}) as Props);
        callback(null, new Empty());
      },
      invoke: (call: { request: resproto.ResourceInvokeRequest }, callback: Callback<never>) => fail(callback, `the model implements no invoke (${call.request.getTok()})`),
      readResource: (_call: unknown, callback: Callback<never>) => fail(callback, "the model implements no ReadResource (`get` of a resource)"),
      signalAndWaitForShutdown: (_call: unknown, callback: Callback<Empty>) => callback(null, new Empty()),
    };
  }

  #engine(): Record<string, unknown> {
    return {
      log: (call: { request: engproto.LogRequest }, callback: Callback<Empty>) => {
        const request = call.request;
        if (!request.getEphemeral()) this.events.log(SEVERITIES[request.getSeverity()] ?? "info", request.getMessage(), request.getUrn());
        callback(null, new Empty());
      },
      getRootResource: (_call: unknown, callback: Callback<engproto.GetRootResourceResponse>) => {
        const response = new engproto.GetRootResourceResponse();
        response.setUrn(this.#root);
        callback(null, response);
      },
      setRootResource: (call: { request: engproto.SetRootResourceRequest }, callback: Callback<engproto.SetRootResourceResponse>) => {
        this.#root = call.request.getUrn();
        callback(null, new engproto.SetRootResourceResponse());
      },
    };
  }

  /** Stops both servers. */
  async stop(): Promise<void> {
    await Promise.all(this.#servers.map((server) => new Promise<void>((resolve) => server.tryShutdown(() => resolve()))));
    for (const server of this.#servers) server.forceShutdown();
  }
}
