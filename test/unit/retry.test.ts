import { strict as assert } from "node:assert";
import {
  backoffDelay,
  decideRetry,
  MAX_RETRY_AFTER_MS,
  parseRetryAfter,
  type RetryPolicy,
} from "../../provider/client/retry/retry";

const policy: RetryPolicy = { maxRetries: 3, baseDelayMs: 500, maxDelayMs: 4000 };
const plenty = 600_000;

describe("retry decisions", () => {
  it("retries 408, 429, 500, 502, 503, 504, dropped connections and unreadable answers", () => {
    for (const status of [408, 429, 500, 502, 503, 504]) {
      assert.equal(decideRetry(policy, 1, { kind: "response", status }, plenty, 0.5).retry, true, String(status));
    }
    assert.equal(decideRetry(policy, 1, { kind: "transport" }, plenty, 0.5).retry, true);
    assert.equal(decideRetry(policy, 1, { kind: "unreadable" }, plenty, 0.5).retry, true);
  });

  it("never retries any other 4xx", () => {
    for (const status of [400, 401, 403, 404, 405, 409, 412]) {
      assert.deepEqual(decideRetry(policy, 1, { kind: "response", status }, plenty, 0.5), {
        retry: false,
        stop: "status",
        reason: `HTTP ${status} is not retryable`,
      });
    }
  });

  it("honours Retry-After exactly, whatever the backoff would be", () => {
    assert.deepEqual(decideRetry(policy, 1, { kind: "response", status: 429, retryAfterMs: 57_000 }, plenty, 0.99), {
      retry: true,
      delayMs: 57_000,
    });
    assert.deepEqual(decideRetry(policy, 3, { kind: "response", status: 503, retryAfterMs: 0 }, plenty, 0.99), {
      retry: true,
      delayMs: 0,
    });
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("2026-11-21T10:00:00Z");
    assert.equal(parseRetryAfter("57", now), 57_000);
    assert.equal(parseRetryAfter(" 0 ", now), 0);
    assert.equal(parseRetryAfter("Sat, 21 Nov 2026 10:00:30 GMT", now), 30_000);
    assert.equal(parseRetryAfter("Sat, 21 Nov 2026 09:59:00 GMT", now), 0, "a date in the past means now");
    assert.equal(
      parseRetryAfter("99999999999999999999", now),
      MAX_RETRY_AFTER_MS,
      "more digits than a timer or a Date can hold: the longest wait",
    );
    assert.equal(parseRetryAfter("Fri, 31 Dec 9999 23:59:59 GMT", now), MAX_RETRY_AFTER_MS);
    assert.equal(MAX_RETRY_AFTER_MS, 86_400_000);
    assert.equal(parseRetryAfter(undefined, now), undefined);
    assert.equal(parseRetryAfter("soon", now), undefined);
    assert.equal(parseRetryAfter("-5", now), undefined);
  });

  it("backs off exponentially with full jitter up to the cap", () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((retry) => backoffDelay(policy, retry, 0.999999)),
      [499, 999, 1999, 3999, 3999],
    );
    assert.deepEqual(
      [1, 2, 3].map((retry) => backoffDelay(policy, retry, 0)),
      [0, 0, 0],
    );
    assert.equal(backoffDelay(policy, 2, 0.5), 500);
    assert.deepEqual(decideRetry(policy, 2, { kind: "response", status: 502 }, plenty, 0.25), {
      retry: true,
      delayMs: 250,
    });
  });

  it("stops after maxRetries retries", () => {
    assert.equal(decideRetry(policy, 3, { kind: "transport" }, plenty, 0.5).retry, true);
    assert.deepEqual(decideRetry(policy, 4, { kind: "transport" }, plenty, 0.5), {
      retry: false,
      stop: "attempts",
      reason: "gave up after 4 attempts (partnercenter:maxRetries is 3)",
    });
    assert.equal(
      decideRetry({ ...policy, maxRetries: 0 }, 1, { kind: "response", status: 503 }, plenty, 0.5).retry,
      false,
    );
  });

  it("does not wait past the operation's deadline", () => {
    const decision = decideRetry(policy, 1, { kind: "response", status: 429, retryAfterMs: 57_000 }, 30_000, 0.5);
    assert.deepEqual(decision, {
      retry: false,
      stop: "deadline",
      reason:
        "gave up after 1 attempt: Retry-After asks for 57 s, past the operation's deadline (partnercenter:timeoutSeconds)",
    });
    assert.equal(
      decideRetry(policy, 1, { kind: "transport" }, 100, 0.5).retry,
      false,
      "a 250 ms backoff does not fit in 100 ms",
    );
  });
});
