/**
 * Azure Pipelines' OIDC token for a service connection (workload identity
 * federation), as `@azure/identity`'s `AzurePipelinesCredential` requests it:
 * `POST ${SYSTEM_OIDCREQUESTURI}?api-version=7.1&serviceConnectionId=<id>`
 * with the job's `SYSTEM_ACCESSTOKEN`.
 */
import { request, type Dispatcher } from "undici";
import { rememberSecret, type Secret } from "../../shared/secret";
import { displayText } from "../../shared/untrustedText";
import { BodyLimitExceeded, readBodyText } from "../http/boundedBody";
import { flattenHeaders } from "../http/transport";
import { CredentialError } from "../../shared/errors";

/** The OIDC token API's version (the one every Azure SDK sends). */
export const ADO_OIDC_API_VERSION = "7.1";
/** How long one OIDC token request may take, unless the caller says otherwise. */
export const DEFAULT_ADO_OIDC_TIMEOUT_MS = 60_000;
/** The largest answer read: a token is 1–2 KiB, an error page a few KiB. */
const MAX_ANSWER_BYTES = 256 * 1024;
/** The most of Azure DevOps' own message shown: its texts run to a few sentences, with ids and names. */
const MESSAGE_LIMIT = 400;

/** Where and as whom to ask Azure DevOps for the OIDC token. */
export interface AzurePipelinesOidcSettings {
  /** `SYSTEM_OIDCREQUESTURI`: the running job's OIDC token endpoint. */
  readonly requestUri: string;
  /** `SYSTEM_ACCESSTOKEN`: the job's token, which authorises the request. */
  readonly accessToken: Secret;
  /** The id (a GUID) of the Azure Resource Manager service connection whose identity is federated. */
  readonly serviceConnectionId: string;
  /** How long one request may take, answer included (default {@link DEFAULT_ADO_OIDC_TIMEOUT_MS}). */
  readonly timeoutMs?: number;
}

/**
 * The client assertion for a federated credential in Azure Pipelines: each
 * call asks Azure DevOps for a new OIDC token (they live minutes), within a
 * deadline and with a bounded read. The token is remembered as a secret, so
 * no message can show it. Every failure is a {@link CredentialError} that
 * says what to fix, with Azure DevOps' own message and request ids, never
 * the access token.
 *
 * @param settings - the endpoint, the job's access token and the service connection
 * @param dispatcher - the shared undici dispatcher (proxy, extra CAs)
 */
export function azurePipelinesAssertion(
  settings: AzurePipelinesOidcSettings,
  dispatcher: Dispatcher,
): () => Promise<string> {
  const url = oidcTokenUrl(settings);
  const connection = `service connection ${displayText(settings.serviceConnectionId, 64)}`;
  const timeoutMs = settings.timeoutMs ?? DEFAULT_ADO_OIDC_TIMEOUT_MS;
  return async () => {
    const deadline = AbortSignal.timeout(timeoutMs);
    let answer: { status: number; headers: Record<string, string>; text: string };
    try {
      const response = await request(url, {
        dispatcher,
        method: "POST",
        headers: {
          authorization: `Bearer ${settings.accessToken.reveal()}`,
          "content-type": "application/json",
          accept: "application/json",
          // Without it, a refused token is answered with a redirect to the browser's sign-in page, not a 401.
          "x-tfs-fedauthredirect": "Suppress",
        },
        signal: deadline,
      });
      answer = {
        status: response.statusCode,
        headers: flattenHeaders(response.headers),
        text: await readBodyText(response.body, MAX_ANSWER_BYTES),
      };
    } catch (error) {
      throw unanswered(url, connection, error, deadline.aborted ? timeoutMs : undefined);
    }
    const body = parseJson(answer.text);
    if (answer.status === 200) {
      const token = body?.oidcToken;
      if (typeof token === "string" && token !== "") {
        rememberSecret(token);
        return token;
      }
      throw new CredentialError(
        `Azure DevOps answered the OIDC token request for ${connection} without an oidcToken (HTTP 200${describeBody(body)})${requestIds(answer.headers)}`,
      );
    }
    throw refused(url, connection, answer.status, adoMessage(answer, body), requestIds(answer.headers));
  };
}

/** The request URL, checked once: a URL over https (http for loopback only, as the access token goes with it). */
function oidcTokenUrl(settings: AzurePipelinesOidcSettings): URL {
  let url: URL;
  try {
    url = new URL(settings.requestUri);
  } catch {
    throw new CredentialError(
      `SYSTEM_OIDCREQUESTURI ("${displayText(settings.requestUri)}") is not a URL: map it in the pipeline step's env: as "SYSTEM_OIDCREQUESTURI: $(System.OidcRequestUri)"`,
    );
  }
  const loopback = ["localhost", "[::1]"].includes(url.hostname) || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new CredentialError(
      `SYSTEM_OIDCREQUESTURI (${displayText(url.origin)}) is not an https URL; the pipeline's SYSTEM_ACCESSTOKEN is not sent over it`,
    );
  }
  url.searchParams.set("api-version", ADO_OIDC_API_VERSION);
  url.searchParams.set("serviceConnectionId", settings.serviceConnectionId);
  return url;
}

/** No answer: the network failed, the answer was too large, or the deadline passed. */
function unanswered(
  url: URL,
  connection: string,
  error: unknown,
  timedOutAfterMs: number | undefined,
): CredentialError {
  if (timedOutAfterMs !== undefined) {
    return new CredentialError(
      `Azure DevOps at ${url.origin} did not answer the OIDC token request for ${connection} within ${timedOutAfterMs / 1000} s`,
    );
  }
  if (error instanceof BodyLimitExceeded)
    return new CredentialError(
      `Azure DevOps' answer to the OIDC token request for ${connection} was not read: ${error.message}`,
    );
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const code =
    typeof cause?.code === "string" ? cause.code : ((error as { code?: unknown }).code ?? (error as Error).name);
  const reason = displayText(String(cause?.message ?? (error as Error).message ?? error));
  return new CredentialError(
    `Azure DevOps could not be reached at ${url.origin} for an OIDC token for ${connection} (${String(code)}: ${reason}): check the network, HTTPS_PROXY/NO_PROXY and SYSTEM_OIDCREQUESTURI`,
    { cause: error },
  );
}

/** Azure DevOps answered, with an error: what it means for the pipeline, and what to change. */
function refused(url: URL, connection: string, status: number, message: string, ids: string): CredentialError {
  const said = `HTTP ${status}${message ? `: ${message}` : ""}`;
  // 203 and 3xx are how Azure DevOps sends a browser to sign in: the token was not accepted either.
  if (status === 401 || status === 203 || (status >= 300 && status < 400)) {
    return new CredentialError(
      `Azure DevOps refused the pipeline's SYSTEM_ACCESSTOKEN when asked for an OIDC token for ${connection} (${said})${ids}: map it in the pipeline step's env: as "SYSTEM_ACCESSTOKEN: $(System.AccessToken)"`,
    );
  }
  if (status === 404) {
    return new CredentialError(
      `Azure DevOps has no OIDC token endpoint at ${displayText(`${url.origin}${url.pathname}`, 400)} (${said})${ids}: SYSTEM_OIDCREQUESTURI is wrong or this is not running in a pipeline job; map it in the step's env: as "SYSTEM_OIDCREQUESTURI: $(System.OidcRequestUri)"`,
    );
  }
  if (status === 403) {
    return new CredentialError(
      `Azure DevOps did not let this pipeline use ${connection} (${said})${ids}: permit the pipeline in the service connection's security settings`,
    );
  }
  if (status >= 400 && status < 500) {
    return new CredentialError(
      `Azure DevOps issued no OIDC token for ${connection} (${said})${ids}: the id must name an Azure Resource Manager service connection of this project that uses workload identity federation (convert one that uses a secret or certificate to workload identity federation), referenced by a task of the current stage`,
    );
  }
  return new CredentialError(`Azure DevOps failed to issue an OIDC token for ${connection} (${said})${ids}`);
}

/**
 * Azure DevOps' own words, fit to show: the JSON `message` of its exceptions,
 * or the bare string it sometimes wraps as `value`, or the URL-encoded
 * `X-TFS-ServiceError` header of a 401 (whose body is empty), or a plain-text
 * body; an HTML page's title at most.
 */
function adoMessage(
  answer: { headers: Record<string, string>; text: string },
  body: Record<string, unknown> | undefined,
): string {
  if (typeof body?.message === "string") return displayText(body.message, MESSAGE_LIMIT);
  if (typeof body?.value === "string") return displayText(body.value, MESSAGE_LIMIT);
  const serviceError = answer.headers["x-tfs-serviceerror"];
  if (serviceError) return displayText(safeDecode(serviceError), MESSAGE_LIMIT);
  if (/^\s*</.test(answer.text)) return displayText(/<title>([^<]*)<\/title>/i.exec(answer.text)?.[1]?.trim() ?? "");
  return displayText(answer.text.trim(), MESSAGE_LIMIT);
}

/** The request ids Azure DevOps and its front door add, for a support ticket. */
function requestIds(headers: Record<string, string>): string {
  const ids = [
    ["X-VSS-E2EID", headers["x-vss-e2eid"]],
    ["x-msedge-ref", headers["x-msedge-ref"]],
  ].filter((pair): pair is [string, string] => Boolean(pair[1]));
  return ids.length
    ? ` (Azure DevOps ${ids.map(([name, value]) => `${name} ${displayText(value, 100)}`).join(", ")})`
    : "";
}

/** A 200's body without a token: its fields' names and types and its message, never their values (one may be a token under another name). */
function describeBody(body: Record<string, unknown> | undefined): string {
  if (!body) return " and a body that is not a JSON object";
  const fields = Object.entries(body).map(
    ([name, value]) => `${name} (${value === null ? "null" : Array.isArray(value) ? "array" : typeof value})`,
  );
  const message = typeof body.message === "string" ? `: ${displayText(body.message)}` : "";
  return fields.length ? ` and the fields ${displayText(fields.join(", "))}${message}` : " and an empty object";
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
