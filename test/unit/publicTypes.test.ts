/**
 * The public types are written by hand so the declarations never name zod's
 * types; these checks fail to compile when a hand-written type and the zod
 * schema that validates it disagree.
 */
import { strict as assert } from "node:assert";
import type { z } from "zod";
import { amountSchema, customerIdSchema, onDeleteSchema, type UsageBudgetInputs } from "../../provider/budget/inputs";
import { ON_DELETE_VALUES, type OnDelete } from "../../provider/budget/inputValues";

/** `true` when A and B are the same type, else `false`. */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** What the schemas produce, property by property. */
interface SchemaOutputs {
  customerId: z.output<typeof customerIdSchema>;
  amount: z.output<typeof amountSchema>;
  onDelete: z.output<typeof onDeleteSchema>;
}

describe("the hand-written public types agree with the zod schemas", () => {
  it("UsageBudgetInputs is what the input schemas produce, and OnDelete what the onDelete schema accepts", () => {
    const inputsAgree: Same<UsageBudgetInputs, SchemaOutputs> = true;
    const onDeleteAgrees: Same<OnDelete, z.input<typeof onDeleteSchema> & string> = true;
    assert.equal(inputsAgree && onDeleteAgrees, true);
    assert.deepEqual(onDeleteSchema.unwrap().options, [...ON_DELETE_VALUES]);
  });
});
