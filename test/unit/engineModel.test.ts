import { strict as assert } from "node:assert";
import { Deployment } from "../engine/model/deployment";
import type { ProviderHost } from "../engine/providerHost";

/** A provider host stand-in that counts how many Checks, Diffs and Creates are in flight at once. */
function countingHost() {
  const inFlight = { check: 0, create: 0 };
  const peak = { check: 0, create: 0 };
  // A Create takes ten turns of the event loop, a Check two: without the workers' bound every Create would overlap.
  const enter = async <T>(kind: "check" | "create", value: T): Promise<T> => {
    inFlight[kind] += 1;
    peak[kind] = Math.max(peak[kind], inFlight[kind]);
    for (let turn = 0; turn < (kind === "create" ? 10 : 2); turn++) await new Promise((resolve) => setImmediate(resolve));
    inFlight[kind] -= 1;
    return value;
  };
  const host = {
    check: (_urn: string, _olds: unknown, news: Record<string, unknown>) => enter("check", { inputs: news, failures: [] }),
    create: (urn: string) => enter("create", { id: urn, outputs: {} }),
  } as unknown as ProviderHost;
  return { host, peak };
}

describe("engine model: the deployment loop and the step workers (ENGINE.md)", () => {
  it("Check runs one at a time on the loop while Creates run on up to --parallel workers", async () => {
    const { host, peak } = countingHost();
    const deployment = new Deployment([], { project: "p", stack: "s", dryRun: false, parallel: 3, continueOnError: false, config: {}, programProvider: async () => host, stateProvider: async () => host });
    const registrations = Array.from({ length: 8 }, (_, i) =>
      deployment.registerResource({ type: "pulumi-nodejs:dynamic/x:Y", name: `r${i}`, parent: "", custom: true, inputs: { i }, provider: "", dependencies: [], protect: false, ignoreChanges: [], supportsResultReporting: true }),
    );
    await Promise.all(registrations);
    assert.equal(peak.check, 1, "Checks overlapped");
    assert.equal(peak.create, 3, "creates in flight: the workers' bound");
  });
});
