import { CLIENT_DEFAULTS } from "../defaults";
import { EnvHttpProxyAgent, request, type Dispatcher } from "undici";
import { readBodyText } from "./boundedBody";

/** One HTTP request as the Partner Center client builds it. */
export interface HttpRequest {
  readonly method: "GET" | "PATCH";
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** Aborts the request (the operation's deadline). */
  readonly signal?: AbortSignal;
}

/** One HTTP response, body read as text. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Record<string, string | undefined>;
  readonly text: string;
}

/** Connection pool and timeouts of a transport. */
export interface TransportOptions {
  /** Milliseconds to establish a connection (TCP and TLS). */
  readonly connectTimeoutMs: number;
  /** Milliseconds to wait for the response headers, and between body chunks. */
  readonly requestTimeoutMs: number;
  /** Connections to the endpoint at most (the provider's concurrency). */
  readonly maxConnections: number;
}

/** The largest answer read from Partner Center: a budget is a few hundred bytes, a page of 1,000 customers well under 2 MiB. */
export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/** 10 s to connect, 30 s for headers and body, 64 connections (the default concurrency). */
export const DEFAULT_TRANSPORT_OPTIONS: TransportOptions = {
  connectTimeoutMs: CLIENT_DEFAULTS.connectTimeoutMs,
  requestTimeoutMs: CLIENT_DEFAULTS.requestTimeoutMs,
  maxConnections: CLIENT_DEFAULTS.maxInFlight,
};

/**
 * Response headers as one string each, names in lowercase: a repeated header
 * joined with ", " as HTTP allows; absent ones left out. The one place headers
 * are flattened (the Partner Center requests and the MSAL network client).
 */
export function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  return flat;
}

/**
 * Sends requests over one keep-alive connection pool, the one place that
 * touches the network (Partner Center and, through the same dispatcher,
 * Microsoft Entra ID). The dispatcher is undici's `EnvHttpProxyAgent`, so
 * `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` apply, and TLS trusts Node's CAs plus
 * `NODE_EXTRA_CA_CERTS`. A request that exceeds a timeout is aborted by undici
 * (`UND_ERR_CONNECT_TIMEOUT`, `UND_ERR_HEADERS_TIMEOUT`, `UND_ERR_BODY_TIMEOUT`)
 * and its connection discarded.
 */
export class HttpTransport {
  readonly #agent: Dispatcher;

  /** @param options - pool size and timeouts */
  constructor(options: TransportOptions = DEFAULT_TRANSPORT_OPTIONS) {
    this.#agent = new EnvHttpProxyAgent({
      connections: options.maxConnections,
      connect: { timeout: options.connectTimeoutMs },
      headersTimeout: options.requestTimeoutMs,
      bodyTimeout: options.requestTimeoutMs,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 300_000,
    });
  }

  /**
   * Sends one request and reads the whole body, up to {@link MAX_RESPONSE_BYTES}.
   *
   * @param req - the request
   */
  async send(req: HttpRequest): Promise<HttpResponse> {
    const response = await request(req.url, {
      dispatcher: this.#agent,
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal: req.signal,
    });
    const text = await readBodyText(response.body, MAX_RESPONSE_BYTES);
    return { status: response.statusCode, headers: flattenHeaders(response.headers), text };
  }

  /** The undici dispatcher, shared with MSAL's network client. */
  get dispatcher(): Dispatcher {
    return this.#agent;
  }

  /** Closes the pooled connections. */
  async close(): Promise<void> {
    await this.#agent.close();
  }
}
