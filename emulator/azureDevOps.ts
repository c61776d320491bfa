import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { closeServer, listenOnLoopback } from "./listen";
import { EMULATOR_TLS_CERTIFICATE, EMULATOR_TLS_KEY } from "./entra/testPki";
import { FEDERATED_AUDIENCE } from "./entra/tokens";

/** An Azure Resource Manager service connection of the emulated project. */
export interface ServiceConnection {
  /** Its id (a GUID): what `serviceConnectionId` names. */
  id: string;
  /** Its name, the last part of the OIDC token's subject. */
  name: string;
  /** Whether it authenticates with workload identity federation (false: a secret or certificate, never converted). */
  workloadIdentityFederation: boolean;
  /** Whether a task of the current stage references it (default true); Azure DevOps issues no token otherwise. */
  referencedByStage?: boolean;
}

/** What signs the OIDC tokens: the Entra emulator's federated-issuer key (see `EntraEmulator.federatedToken`). */
export interface FederatedTokenSigner {
  federatedToken(subject: string, issuer: string, audience: string): string;
}

/** How to start the emulated Azure DevOps. */
export interface AzureDevOpsEmulatorOptions {
  /** Signs the OIDC tokens; the Entra emulator trusts what it signs. */
  signer: FederatedTokenSigner;
  /** Port on 127.0.0.1 (0 picks one). */
  port?: number;
  /** The organization's name (default `contoso-partner`) and id (a GUID, default random). */
  organization?: { name?: string; id?: string };
  /** The project's name (default `budgets`) and id (a GUID, default random). */
  project?: { name?: string; id?: string };
  /** The pipeline's `SYSTEM_ACCESSTOKEN` (default random). */
  accessToken?: string;
  /** The project's service connections. */
  serviceConnections?: ServiceConnection[];
  /** Error answers quote the request back (the SYSTEM_ACCESSTOKEN in its Authorization header and all). */
  echoRequestsInErrors?: boolean;
}

/** One request to the emulator, for tests to count and inspect. */
export interface AzureDevOpsRequest {
  method: string;
  path: string;
  /** The `api-version` query parameter, if any. */
  apiVersion: string | null;
  /** The `serviceConnectionId` query parameter, if any. */
  serviceConnectionId: string | null;
  /** The headers as received (names lowercase). */
  headers: IncomingMessage["headers"];
  /** The status answered (undefined while {@link AzureDevOpsEmulator.stall} holds the answer back). */
  status?: number;
  /** The OIDC token issued, if one was. */
  oidcToken?: string;
}

/** The message Azure DevOps puts in `X-TFS-ServiceError` when it does not accept the bearer token. */
const ANONYMOUS_REFUSED = "TF400813: Resource not available for anonymous access. Client authentication required.";

/** An error answer: status, body (JSON or raw text) and extra headers. */
interface Answer {
  status: number;
  body?: unknown;
  headers?: OutgoingHttpHeaders;
}

/**
 * Azure DevOps as a pipeline job sees it: HTTPS on 127.0.0.1 (the emulator's
 * test certificate) serving the job's OIDC token endpoint,
 * `POST /<org>/<projectId>/_apis/distributedtask/hubs/build/plans/<planId>/jobs/<jobId>/oidctoken?api-version=7.1&serviceConnectionId=<id>`.
 * Each call issues a new token (issuer `https://vstoken.dev.azure.com/<org id>`,
 * subject `sc://<org>/<project>/<service connection>`, audience
 * `api://AzureADTokenExchange`). Failures come as the real service gives them:
 * 401 with an empty body, `WWW-Authenticate` and the reason in
 * `X-TFS-ServiceError` for a bearer token it does not accept (a 302 to its
 * sign-in page instead when `X-TFS-FedAuthRedirect: Suppress` is missing);
 * 404 for another organization, route, plan or job; 400 with a JSON
 * `message` for a service connection that is unknown, not federated or not
 * referenced by the stage. Every answer carries `X-VSS-E2EID`, `ActivityId`
 * and `x-msedge-ref`.
 */
export class AzureDevOpsEmulator {
  /** The organization's name. */
  readonly organization: string;
  /** The organization's id (a GUID), the last part of the issuer. */
  readonly organizationId: string;
  /** The project's name. */
  readonly project: string;
  /** The project's id (a GUID), as `SYSTEM_OIDCREQUESTURI` carries it. */
  readonly projectId: string;
  /** The running job's plan id. */
  readonly planId = randomUUID();
  /** The running job's id. */
  readonly jobId = randomUUID();
  /** The pipeline's `SYSTEM_ACCESSTOKEN`. */
  readonly accessToken: string;
  /** Every request, in order. */
  readonly requests: AzureDevOpsRequest[] = [];
  /** Whether error answers quote the request back (settable by tests). */
  echoRequestsInErrors: boolean;
  /** Answer 200 with `{"oidcToken": null}` (settable by tests: an answer without a token). */
  omitOidcToken = false;
  /** Take requests and never answer them until {@link stop} (settable by tests: a deadline must end the wait). */
  stall = false;
  /** The Entra tenant that backs the organization (named in the 401's challenge). */
  readonly #tenantId = randomUUID();
  readonly #connections = new Map<string, ServiceConnection>();
  readonly #signer: FederatedTokenSigner;
  readonly #server: Server;

  private constructor(options: AzureDevOpsEmulatorOptions) {
    this.#signer = options.signer;
    this.organization = options.organization?.name ?? "contoso-partner";
    this.organizationId = options.organization?.id ?? randomUUID();
    this.project = options.project?.name ?? "budgets";
    this.projectId = options.project?.id ?? randomUUID();
    this.accessToken = options.accessToken ?? `ado-${randomBytes(24).toString("base64url")}`;
    this.echoRequestsInErrors = options.echoRequestsInErrors ?? false;
    for (const connection of options.serviceConnections ?? []) this.addServiceConnection(connection);
    this.#server = createServer(
      { cert: EMULATOR_TLS_CERTIFICATE, key: EMULATOR_TLS_KEY },
      (req, res) => void this.#handle(req, res),
    );
  }

  /** Starts it on 127.0.0.1. */
  static async start(options: AzureDevOpsEmulatorOptions): Promise<AzureDevOpsEmulator> {
    const emulator = new AzureDevOpsEmulator(options);
    await listenOnLoopback(emulator.#server, options.port ?? 0);
    return emulator;
  }

  /** The collection URL (`SYSTEM_COLLECTIONURI`), e.g. `https://127.0.0.1:1234/contoso-partner/`. */
  get collectionUri(): string {
    return `https://127.0.0.1:${(this.#server.address() as AddressInfo).port}/${this.organization}/`;
  }

  /** The running job's `SYSTEM_OIDCREQUESTURI`. */
  get oidcRequestUri(): string {
    return `${this.collectionUri}${this.projectId}/_apis/distributedtask/hubs/build/plans/${this.planId}/jobs/${this.jobId}/oidctoken`;
  }

  /** The issuer of its OIDC tokens, as an Entra federated credential names it. */
  get issuer(): string {
    return `https://vstoken.dev.azure.com/${this.organizationId}`;
  }

  /** The subject of the OIDC tokens for a service connection, as an Entra federated credential names it. */
  subjectOf(serviceConnectionName: string): string {
    return `sc://${this.organization}/${this.project}/${serviceConnectionName}`;
  }

  /** Adds (or replaces) a service connection. */
  addServiceConnection(connection: ServiceConnection): void {
    this.#connections.set(connection.id.toLowerCase(), connection);
  }

  /** Stops listening and closes every connection, stalled ones included. */
  async stop(): Promise<void> {
    await closeServer(this.#server);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? "/", "https://127.0.0.1");
    const record: AzureDevOpsRequest = {
      method: req.method ?? "",
      path: url.pathname,
      apiVersion: url.searchParams.get("api-version"),
      serviceConnectionId: url.searchParams.get("serviceConnectionId"),
      headers: req.headers,
    };
    this.requests.push(record);
    if (this.stall) return;
    const answer = this.#answer(req, url, record);
    record.status = answer.status;
    // The credential first, as a gateway that logs headers would quote it.
    const quoted = `authorization: ${req.headers.authorization ?? ""}; ${req.method} ${req.url} ${JSON.stringify(req.headers)} ${Buffer.concat(chunks).toString("utf8")}`;
    const echo = this.echoRequestsInErrors && answer.status >= 400 ? ` (request: ${quoted})` : "";
    send(res, answer, echo);
  }

  #answer(req: IncomingMessage, url: URL, record: AzureDevOpsRequest): Answer {
    const [organization, projectId, ...route] = url.pathname.split("/").slice(1);
    // Another organization is another host's business: Azure DevOps answers 404 before it looks at the token.
    if (organization?.toLowerCase() !== this.organization.toLowerCase()) return { status: 404, body: "" };
    if (req.headers.authorization !== `Bearer ${this.accessToken}`) return this.#unauthenticated(req, url);
    const path = `/${route.join("/")}`;
    const match = /^\/_apis\/distributedtask\/hubs\/([^/]+)\/plans\/([^/]+)\/jobs\/([^/]+)\/oidctoken$/i.exec(path);
    if (!match) return { status: 404, body: vssError("The resource cannot be found.", "NotFoundException") };
    if (req.method !== "POST")
      return {
        status: 405,
        body: vssError(
          `The requested resource does not support http method '${req.method}'.`,
          "HttpMethodNotAllowedException",
        ),
      };
    if (!record.apiVersion) {
      return {
        status: 400,
        body: vssError(
          `No api-version was supplied for the "POST" request. The version must be supplied either as part of the Accept header (e.g. "application/json; api-version=1.0") or as a query parameter (e.g. "?api-version=1.0").`,
          "VssVersionNotSpecifiedException",
        ),
      };
    }
    if (
      projectId?.toLowerCase() !== this.projectId.toLowerCase() ||
      match[2]?.toLowerCase() !== this.planId ||
      match[3]?.toLowerCase() !== this.jobId
    ) {
      return {
        status: 404,
        body: vssError(
          `The orchestration plan ${match[2]} or its job ${match[3]} does not exist in project ${projectId}.`,
          "TaskOrchestrationPlanNotFoundException",
        ),
      };
    }
    const id = record.serviceConnectionId ?? "";
    const connection = this.#connections.get(id.toLowerCase());
    if (!connection)
      return {
        status: 400,
        body: vssError(`No service connection found with identifier ${id}.`, "ServiceEndpointNotFoundException"),
      };
    if (connection.referencedByStage === false) {
      // Azure DevOps wraps this one as a bare string: {"count": <length>, "value": "<text>"}.
      const text = `There is no explicit reference to service connection ${connection.id} from current stage Deploy.budgets.__default.`;
      return { status: 400, body: { count: text.length, value: text } };
    }
    if (!connection.workloadIdentityFederation) {
      return {
        status: 400,
        body: vssError(
          `Service connection '${connection.name}' (${connection.id}) does not use workload identity federation: an OIDC token can only be issued for a service connection whose authentication scheme is WorkloadIdentityFederation.`,
          "InvalidServiceEndpointAuthorizationSchemeException",
        ),
      };
    }
    if (this.omitOidcToken) return { status: 200, body: { oidcToken: null } };
    record.oidcToken = this.#signer.federatedToken(this.subjectOf(connection.name), this.issuer, FEDERATED_AUDIENCE);
    return { status: 200, body: { oidcToken: record.oidcToken } };
  }

  /**
   * A bearer token Azure DevOps does not accept: 401 with an empty body and the reason in `X-TFS-ServiceError`
   * when the client asked for no redirect; otherwise the browser's answer, a 302 to the sign-in page.
   */
  #unauthenticated(req: IncomingMessage, url: URL): Answer {
    if (req.headers["x-tfs-fedauthredirect"] !== "Suppress") {
      const signIn = `https://spsprodcus3.vssps.visualstudio.com/_signin?realm=dev.azure.com&reply_to=${encodeURIComponent(`https://dev.azure.com${url.pathname}`)}`;
      return {
        status: 302,
        headers: { location: signIn, "content-type": "text/html; charset=utf-8" },
        body: `<html><head><title>Object moved</title></head><body>\r\n<h2>Object moved to <a href="${signIn.replace(/&/g, "&amp;")}">here</a>.</h2>\r\n</body></html>\r\n`,
      };
    }
    return {
      status: 401,
      body: "",
      headers: {
        "www-authenticate": [
          `Bearer authorization_uri=https://login.microsoftonline.com/${this.#tenantId}`,
          `Basic realm="https://tfsprodcus3.visualstudio.com/"`,
          "TFS-Federated",
        ],
        "x-tfs-fedauthrealm": "https://tfsprodcus3.visualstudio.com/",
        "x-tfs-fedauthissuer": `https://dev.azure.com/${this.organization}/`,
        "x-tfs-serviceerror": ANONYMOUS_REFUSED,
      },
    };
  }
}

/** The JSON body of a Visual Studio Services exception, as every Azure DevOps API answers one. */
function vssError(message: string, typeKey: string): Record<string, unknown> {
  return {
    $id: "1",
    innerException: null,
    message,
    typeName: `Microsoft.TeamFoundation.DistributedTask.WebApi.${typeKey}, Microsoft.TeamFoundation.DistributedTask.WebApi`,
    typeKey,
    errorCode: 0,
    eventId: 3000,
  };
}

/** Sends an answer with the ids Azure DevOps and Azure Front Door add to every one; `echo` goes into the error text. */
function send(res: ServerResponse, answer: Answer, echo: string): void {
  const headers: OutgoingHttpHeaders = {
    "x-vss-e2eid": randomUUID(),
    activityid: randomUUID(),
    "x-tfs-session": randomUUID(),
    "x-msedge-ref": `Ref A: ${randomBytes(16).toString("hex").toUpperCase()} Ref B: CO1EDGE0000 Ref C: ${new Date().toISOString()}`,
    "cache-control": "no-cache",
    ...answer.headers,
  };
  let body = answer.body ?? "";
  if (echo && typeof body === "object" && body !== null) {
    const wrapped = body as Record<string, unknown>;
    body =
      "message" in wrapped
        ? { ...wrapped, message: `${String(wrapped.message)}${echo}` }
        : { ...wrapped, value: `${String(wrapped.value)}${echo}` };
  } else if (echo && typeof headers["x-tfs-serviceerror"] === "string") {
    headers["x-tfs-serviceerror"] = `${headers["x-tfs-serviceerror"]}${echo}`;
  } else if (echo) {
    body = `${String(body)}${echo}`;
  }
  // Azure DevOps URL-encodes X-TFS-ServiceError (its text may hold any character).
  if (typeof headers["x-tfs-serviceerror"] === "string")
    headers["x-tfs-serviceerror"] = encodeURIComponent(headers["x-tfs-serviceerror"]);
  const text = typeof body === "string" ? body : JSON.stringify(body);
  if (typeof body !== "string") headers["content-type"] = "application/json; charset=utf-8";
  res.writeHead(answer.status, { ...headers, "content-length": Buffer.byteLength(text) });
  res.end(text);
}
