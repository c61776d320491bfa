/**
 * The Azure Blob state backend a Microsoft shop picks, served by Azurite on
 * loopback (test/support/azurite.ts): the CLI logs in with the `azblob://`
 * URL and the development account, and keeps the stack's checkpoint and lock
 * there. The scale benchmark measures this backend; this test keeps it working.
 */
import { strict as assert } from "node:assert";
import { generateCustomers } from "pulumi-partnercenter/emulator";
import { Azurite } from "../support/azurite";
import { PROJECT, startStack, type TestStack } from "./stack";

describe("Azure Blob state backend (Azurite) under the real CLI", () => {
  let azurite: Azurite;
  let stack: TestStack;
  before(async () => {
    azurite = await Azurite.start();
    await azurite.createContainer("state");
  });
  after(async () => {
    await stack?.stop();
    await azurite.stop();
  });

  it("keeps the checkpoint in the container, with every budget, and no lock once the command ends", async () => {
    stack = await startStack({
      emulator: { customers: generateCustomers(3) },
      backend: { url: azurite.backendUrl("state"), env: azurite.backendEnv() },
    });
    const customers = stack.emulator.customers();
    const up = await stack.engine.up(
      customers.map((customer, index) =>
        stack.budget(`budget-${index}`, { customerId: customer.id, amount: 500 + index }),
      ),
    );
    assert.equal(up.result.exitCode, 0, up.result.output);
    const blobs = await azurite.listBlobs("state");
    const checkpoint = `.pulumi/stacks/${PROJECT}/${stack.engine.stack.name}.json`;
    assert.ok(blobs.includes(checkpoint), `the checkpoint is in the container: ${blobs.join(", ")}`);
    const deployment = JSON.parse((await azurite.readBlob("state", checkpoint))!.toString("utf8")) as {
      checkpoint: { latest: { resources: { id?: string; type: string }[] } };
    };
    const ids = deployment.checkpoint.latest.resources
      .filter((resource) => resource.type.endsWith(":UsageBudget"))
      .map((resource) => resource.id);
    assert.deepEqual(ids.sort(), customers.map((customer) => customer.id).sort());
    assert.deepEqual(
      blobs.filter((blob) => blob.startsWith(".pulumi/locks/")),
      [],
      "the lock is released",
    );
  });
});
