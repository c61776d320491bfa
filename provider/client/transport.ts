import { Agent, request } from "undici";

/** One HTTP request as the Partner Center client builds it. */
export interface HttpRequest {
  readonly method: "GET" | "PATCH";
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/** One HTTP response, body read as text. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Record<string, string | undefined>;
  readonly text: string;
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  const flat: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  return flat;
}

/**
 * Sends requests over one keep-alive connection pool (an undici `Agent`);
 * the one place that touches the network.
 */
export class HttpTransport {
  readonly #agent: Agent;

  /** @param agent - the undici dispatcher to send through (a keep-alive Agent by default) */
  constructor(agent: Agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 300_000 })) {
    this.#agent = agent;
  }

  /**
   * Sends one request and reads the whole body.
   *
   * @param req - the request
   */
  async send(req: HttpRequest): Promise<HttpResponse> {
    const response = await request(req.url, {
      dispatcher: this.#agent,
      method: req.method,
      headers: req.headers,
      body: req.body,
    });
    const text = await response.body.text();
    return { status: response.statusCode, headers: flattenHeaders(response.headers), text };
  }

  /** Closes the pooled connections. */
  async close(): Promise<void> {
    await this.#agent.close();
  }
}
