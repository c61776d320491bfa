import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from "@azure/msal-node";
import { request, type Dispatcher } from "undici";
import { rememberSecret } from "../../secret";
import { readBodyText } from "../boundedBody";

/** Form fields and answer fields of the token endpoint that hold credentials. */
const SECRET_FIELDS = ["client_secret", "client_assertion", "assertion", "refresh_token", "access_token", "id_token", "code"];

/** Remembers every credential MSAL sends or receives, so that no message can echo one (see `redactSecrets`). */
function rememberCredentials(fields: Iterable<[string, unknown]>): void {
  for (const [name, value] of fields) if (SECRET_FIELDS.includes(name) && typeof value === "string") rememberSecret(value);
}

/** The largest answer read from Microsoft Entra ID (a token response is a few KiB). */
const MAX_ENTRA_RESPONSE_BYTES = 1024 * 1024;

/**
 * MSAL's HTTP, sent through the provider's own undici dispatcher, so proxies,
 * extra CAs and connection reuse apply to the token endpoint as they do to
 * Partner Center. Resolves (never rejects) on non-2xx with the parsed JSON
 * body, as MSAL's own client does.
 */
export class UndiciNetworkClient implements INetworkModule {
  readonly #dispatcher: Dispatcher;

  /** @param dispatcher - the shared undici dispatcher */
  constructor(dispatcher: Dispatcher) {
    this.#dispatcher = dispatcher;
  }

  /** GET, for OpenID metadata. */
  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.#send<T>("GET", url, options, timeout);
  }

  /** POST, for the token endpoint. */
  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.#send<T>("POST", url, options);
  }

  async #send<T>(method: "GET" | "POST", url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    if (typeof options?.body === "string") rememberCredentials(new URLSearchParams(options.body));
    const response = await request(url, {
      dispatcher: this.#dispatcher,
      method,
      headers: options?.headers,
      body: options?.body,
      signal: timeout ? AbortSignal.timeout(timeout) : AbortSignal.timeout(30_000),
    });
    const text = await readBodyText(response.body, MAX_ENTRA_RESPONSE_BYTES);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = { error: "invalid_response", error_description: `Entra ID answered HTTP ${response.statusCode} with a body that is not JSON: ${text.slice(0, 200)}` };
    }
    if (body && typeof body === "object") rememberCredentials(Object.entries(body));
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
    return { status: response.statusCode, headers, body: body as T };
  }
}
