import { settingName } from "../../shared/settingNames";
import { EntraUnreachableError } from "../../shared/errors";
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from "@azure/msal-node";
import { request, type Dispatcher } from "undici";
import { rememberSecret } from "../../shared/secret";
import { displayText } from "../../shared/untrustedText";
import { readBodyText } from "../http/boundedBody";
import { flattenHeaders } from "../http/transport";

/** Form fields and answer fields of the token endpoint that hold credentials. */
const SECRET_FIELDS = [
  "client_secret",
  "client_assertion",
  "assertion",
  "refresh_token",
  "access_token",
  "id_token",
  "code",
];

/** Remembers every credential MSAL sends or receives, so that no message can echo one (see `redactSecrets`). */
function rememberCredentials(fields: Iterable<[string, unknown]>): void {
  for (const [name, value] of fields)
    if (SECRET_FIELDS.includes(name) && typeof value === "string") rememberSecret(value);
}

/** The largest answer read from Microsoft Entra ID (a token response is a few KiB). */
const MAX_ENTRA_RESPONSE_BYTES = 1024 * 1024;
/** Attempts at one Entra ID request when the network fails (not when Entra answers). */
const MAX_ATTEMPTS = 3;
/** Waits between attempts: 0.5 s, then 1 s. */
const BACKOFF_MS = [500, 1000];

/** Error codes of a TLS failure: a certificate Node does not trust, or a broken handshake. Retrying changes nothing. */
const TLS_FAILURE =
  /^(CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(GET|VERIFY)_|ERR_TLS_|ERR_SSL_|HOSTNAME_MISMATCH|ERR_CERT)/;

/** The code of a network failure: the error's own, or its cause's (undici wraps the socket's). */
function failureCode(error: unknown): string {
  const own = (error as { code?: unknown }).code;
  const cause = (error as { cause?: { code?: unknown } }).cause?.code;
  return String(
    (typeof cause === "string" && cause) || (typeof own === "string" && own) || (error as Error).name || "error",
  );
}

function describeFailure(url: string, error: unknown, attempts: number): string {
  const host = new URL(url).origin;
  const code = failureCode(error);
  const detail = `${code}: ${((error as { cause?: Error }).cause ?? (error as Error)).message}`;
  if (TLS_FAILURE.test(code)) {
    return `the TLS connection to Microsoft Entra ID at ${host} failed (${detail}): check NODE_EXTRA_CA_CERTS and any proxy that inspects TLS`;
  }
  return `could not reach Microsoft Entra ID at ${host} (${detail}) after ${attempts} attempt${attempts === 1 ? "" : "s"}: check the network, HTTPS_PROXY/NO_PROXY and ${settingName("authority")}`;
}

/**
 * MSAL's HTTP, sent through the provider's own undici dispatcher, so proxies,
 * extra CAs and connection reuse apply to the token endpoint as they do to
 * Partner Center. Resolves (never rejects) on non-2xx with the parsed JSON
 * body, as MSAL's own client does. A network failure is retried (not a TLS
 * one), within the deadline, and then reported as an
 * {@link EntraUnreachableError} that {@link takeFailure} hands to the
 * credential, so it is never mistaken for Entra refusing the credential.
 */
export class UndiciNetworkClient implements INetworkModule {
  readonly #dispatcher: Dispatcher;
  readonly #timeoutMs: number;
  #failure: EntraUnreachableError | undefined;

  /**
   * @param dispatcher - the shared undici dispatcher
   * @param timeoutMs - how long one token request may take, retries included (`partnercenter:timeoutSeconds`)
   */
  constructor(dispatcher: Dispatcher, timeoutMs = 600_000) {
    this.#dispatcher = dispatcher;
    this.#timeoutMs = timeoutMs;
  }

  /** The network failure behind MSAL's last error, if there was one (cleared by reading it). */
  takeFailure(): EntraUnreachableError | undefined {
    const failure = this.#failure;
    this.#failure = undefined;
    return failure;
  }

  /** GET, for OpenID metadata. */
  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.#send<T>("GET", url, options, timeout);
  }

  /** POST, for the token endpoint. */
  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.#send<T>("POST", url, options);
  }

  async #send<T>(
    method: "GET" | "POST",
    url: string,
    options?: NetworkRequestOptions,
    timeout?: number,
  ): Promise<NetworkResponse<T>> {
    if (typeof options?.body === "string") rememberCredentials(new URLSearchParams(options.body));
    const deadline = AbortSignal.timeout(Math.min(timeout ?? this.#timeoutMs, this.#timeoutMs));
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#attempt<T>(method, url, options, deadline);
      } catch (error) {
        const retry = attempt < MAX_ATTEMPTS && !deadline.aborted && !TLS_FAILURE.test(failureCode(error));
        if (!retry) {
          this.#failure = new EntraUnreachableError(
            deadline.aborted
              ? `Microsoft Entra ID at ${new URL(url).origin} did not answer within ${settingName("timeoutSeconds")} (${Math.round(this.#timeoutMs / 1000)} s)`
              : describeFailure(url, error, attempt),
          );
          throw this.#failure;
        }
        await new Promise((resolve) => setTimeout(resolve, BACKOFF_MS[attempt - 1] ?? 1000));
      }
    }
  }

  async #attempt<T>(
    method: "GET" | "POST",
    url: string,
    options: NetworkRequestOptions | undefined,
    signal: AbortSignal,
  ): Promise<NetworkResponse<T>> {
    const response = await request(url, {
      dispatcher: this.#dispatcher,
      method,
      headers: options?.headers,
      body: options?.body,
      signal,
    });
    const text = await readBodyText(response.body, MAX_ENTRA_RESPONSE_BYTES);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = {
        error: "invalid_response",
        error_description: `Entra ID answered HTTP ${response.statusCode} with a body that is not JSON: ${displayText(text)}`,
      };
    }
    if (body && typeof body === "object") rememberCredentials(Object.entries(body));
    return { status: response.statusCode, headers: flattenHeaders(response.headers), body: body as T };
  }
}
