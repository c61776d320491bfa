/**
 * The client's defaults, in one place and with no dependencies: the retry
 * policy, the transport and the client read them, and the settings derive
 * their fallbacks from them (provider/settings/settingSources.ts), so a
 * default is changed once.
 */
export const CLIENT_DEFAULTS = {
  /** Retries of a failed request. */
  maxRetries: 5,
  /** Milliseconds one operation may take, retries included. */
  operationTimeoutMs: 600_000,
  /** Milliseconds to wait for a connection. */
  connectTimeoutMs: 10_000,
  /** Milliseconds to wait for the response headers, or the body. */
  requestTimeoutMs: 30_000,
  /**
   * Requests in flight at once, and the transport's connections. 64: the largest `--parallel` the benchmark runs (the
   * engine's own default is 4 × CPUs); a lower default would cap the engine's parallelism where it, not the
   * service's limit, binds (300 ms latency, `--parallel 64`).
   */
  maxInFlight: 64,
} as const;
