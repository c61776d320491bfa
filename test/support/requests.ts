import type { RecordedRequest } from "pulumi-partnercenter/emulator";

/** How many times each request was sent (its attempts), by `MS-RequestId`, which a request keeps across retries. */
export function attemptsPerRequest(requests: readonly RecordedRequest[]): number[] {
  const counts = new Map<string, number>();
  for (const request of requests) {
    const id = request.headers["ms-requestid"] ?? "";
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return [...counts.values()];
}
