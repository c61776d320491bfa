import type * as pulumi from "@pulumi/pulumi";
import type { OperationContext, PartnerCenterClient } from "../client/partnerCenter";
import type { WireBudget } from "../client/wire/wire";
import { attributeDrifts, describeAttribution } from "../gitops/attribution";
import { diffUsageBudget } from "./diff";
import { storedAmount } from "../client/wire/amount";
import { checkInputs, customerIdSchema, parseInputs, sameAmount, storedOnDelete } from "../budget/inputs";
import type { UsageBudgetOutputs } from "../budget/outputs";
import { displayText } from "../shared/untrustedText";
import { carriedSpend, SpendLookup, spendOutputs, storedSpend } from "./spend";
import {
  CUSTOMER_NOT_FOUND,
  NO_RELATIONSHIP,
  PartnerCenterStatusError,
  PartnerCenterTransportError,
  StoredStateError,
  UnusableAnswerError,
} from "../shared/errors";

/** The longest `lastChange` or `readError` kept in state: one line, whatever the service answered. */
const OUTPUT_TEXT_LIMIT = 500;

/** The resource-level hooks of the UsageBudget provider (all but `configure`). */
export type UsageBudgetLifecycle = Required<
  Pick<pulumi.dynamic.ResourceProvider, "check" | "diff" | "create" | "read" | "update" | "delete">
>;

type Props = Record<string, unknown>;

/**
 * Partner Center's own answer that the customer does not exist: 404 with its
 * code 60003 ("tenant not found"). Any other 404 (a gateway's, a wrong path's)
 * is an error, never a reason to drop a resource from state.
 */
export function isGone(error: unknown): boolean {
  return error instanceof PartnerCenterStatusError && error.status === 404 && error.serviceCode === CUSTOMER_NOT_FOUND;
}

/**
 * Partner Center's refusal of this one customer: 403 with code 20002 (no
 * commerce relationship; a relationship that ended, or a customer of another
 * partner). Other customers are still readable, so a refresh keeps going for
 * them; a refusal without that code (a credential without the role) is not
 * about one customer and still fails.
 */
export function isRefusedCustomer(error: unknown): error is PartnerCenterStatusError {
  return error instanceof PartnerCenterStatusError && error.status === 403 && error.serviceCode === NO_RELATIONSHIP;
}

/**
 * Whether a failed PATCH may nevertheless have been applied: no answer, an
 * unreadable one, or a server or gateway failure (a 504 can come after the
 * write). A 4xx means it was not.
 */
function mayHaveBeenApplied(error: unknown): boolean {
  if (error instanceof PartnerCenterStatusError) return error.status >= 500;
  return error instanceof PartnerCenterTransportError || error instanceof UnusableAnswerError;
}

/**
 * PATCHes the amount; when the answer is lost but the write may have been
 * applied, reads the budget back and takes a match as success. A create
 * must settle here: the engine keeps nothing of a failed create, and the next
 * one would otherwise record the provider's own amount as the customer's
 * previous budget.
 */
export async function patchSettled(
  client: PartnerCenterClient,
  customerId: string,
  amount: number | null,
  operation: OperationContext,
): Promise<WireBudget> {
  try {
    return await client.patchBudget(customerId, amount, operation);
  } catch (error) {
    if (!mayHaveBeenApplied(error)) throw error;
    const now = await client.getBudget(customerId, operation).catch(() => undefined);
    if (now && sameAmount(now.amount, amount)) return now;
    throw error;
  }
}

/**
 * Who changed a drifted budget, from the activity log, in one line; never fails the refresh. The line goes into
 * state and the engine's display: the log's text in it is redacted, freed of control characters and bounded.
 */
async function describeLastChange(
  client: PartnerCenterClient,
  customerId: string,
  amount: number | null,
): Promise<string> {
  const attribution = (await attributeDrifts(client, new Map([[customerId, amount]]))).get(customerId);
  if (!attribution) return "unknown";
  return displayText(
    attribution.found ? describeAttribution(attribution) : `unknown: ${describeAttribution(attribution)}`,
    OUTPUT_TEXT_LIMIT,
  );
}

/** The customer id a stored resource is about: its recorded output, else its id. */
function storedCustomerId(id: string, props: Props | undefined): string {
  const parsed = customerIdSchema.safeParse(props?.customerId ?? id);
  if (!parsed.success) {
    throw new StoredStateError(
      `UsageBudget ${JSON.stringify(id)}: the stored customer id is not a GUID (${parsed.error.issues[0]?.message})`,
    );
  }
  return parsed.data;
}

/**
 * Builds the UsageBudget hooks over a Partner Center client. The client is
 * asked for only by hooks that send requests, so `check` and `diff` work
 * without credentials (as `pulumi preview` needs).
 *
 * @param getClient - gives the client configured for this provider process
 * @param spend - the process's one read of month-to-date spend
 */
export function createUsageBudgetLifecycle(
  getClient: () => Promise<PartnerCenterClient>,
  spend: SpendLookup = new SpendLookup(),
): UsageBudgetLifecycle {
  return {
    async check(olds: Props, news: Props) {
      const checked = checkInputs(news);
      // The spend the last refresh recorded in the inputs travels on with the same customer's new inputs: a policy sees
      // inputs only (the engine's Analyze), and compares the declared amount with it. No request: preview sends none.
      const carried = storedSpend(olds);
      if (carried && typeof olds.customerId === "string" && olds.customerId === checked.inputs.customerId)
        Object.assign(checked.inputs, carried);
      return checked;
    },

    async diff(_id: string, olds: Props, news: Props) {
      return diffUsageBudget(olds, news);
    },

    async create(news: Props) {
      const inputs = parseInputs(news);
      const client = await getClient();
      const operation = client.startOperation();
      const before = await client.getBudget(inputs.customerId, operation);
      const after = sameAmount(before.amount, inputs.amount)
        ? before
        : await patchSettled(client, inputs.customerId, inputs.amount, operation);
      const outs: UsageBudgetOutputs = {
        customerId: inputs.customerId,
        amount: after.amount,
        previousAmount: before.amount,
        onDelete: inputs.onDelete,
        // After the budget's own requests: an operation sends one request at a time (--parallel bounds them all).
        ...spendOutputs(await spend.of(client, inputs.customerId), after.amount),
      };
      return { id: inputs.customerId, outs };
    },

    async read(id: string, props?: Props) {
      const customerId = storedCustomerId(id, props);
      const client = await getClient();
      const onDelete = storedOnDelete.parse(props?.onDelete);
      let amount: number | null;
      try {
        ({ amount } = await client.getBudget(customerId, client.startOperation()));
      } catch (error) {
        if (isGone(error)) return { id: "", props: {} };
        // One refused customer must not stop the refresh of every other (the engine fails the whole run on any failed
        // Read, whatever --continue-on-error says). Nothing is dropped or overwritten on a guess: state is kept as it
        // was, the refusal is recorded, and the resource shows as an update, which reads and writes it again.
        if (isRefusedCustomer(error) && props !== undefined && "amount" in props) {
          const kept = storedAmount(props.amount);
          // The first refusal's text is kept while the customer stays refused: a new request id on every refresh
          // would otherwise rewrite state each time. Partner Center's words in it are redacted like any error's.
          const readError =
            typeof props.readError === "string" ? props.readError : displayText(error.message, OUTPUT_TEXT_LIMIT);
          const keptSpend = storedSpend(props);
          const outs: UsageBudgetOutputs = {
            customerId,
            amount: kept,
            previousAmount: storedAmount(props.previousAmount),
            onDelete,
            readError,
            ...spendOutputs(keptSpend, kept),
          };
          if (typeof props.lastChange === "string") outs.lastChange = props.lastChange;
          return { id: customerId, props: outs, inputs: { customerId, amount: kept, onDelete, ...keptSpend } };
        }
        throw error;
      }
      // The spend read now, in the outputs and (for policies, through check) the inputs; nothing when unknown.
      // After the budget's read: an operation sends one request at a time (--parallel bounds them all).
      const fresh = spendOutputs(await spend.of(client, customerId), amount);
      const outs: UsageBudgetOutputs = {
        customerId,
        amount,
        previousAmount: storedAmount(props?.previousAmount),
        onDelete,
        ...fresh,
      };
      // Drift: say who changed it, from the activity log. No drift: keep what state has, so a refresh changes nothing.
      const drifted = props !== undefined && "amount" in props && !sameAmount(storedAmount(props.amount), amount);
      const lastChange = drifted
        ? await describeLastChange(client, customerId, amount)
        : typeof props?.lastChange === "string"
          ? props.lastChange
          : undefined;
      if (lastChange !== undefined) outs.lastChange = lastChange;
      return { id: customerId, props: outs, inputs: { customerId, amount, onDelete, ...carriedSpend(fresh) } };
    },

    async update(id: string, olds: Props, news: Props) {
      const inputs = parseInputs(news);
      if (inputs.customerId !== storedCustomerId(id, olds)) {
        throw new Error(
          `UsageBudget ${id}: customerId cannot change in place (the engine should have replaced the resource)`,
        );
      }
      let amount = storedAmount(olds.amount);
      if (typeof olds.readError === "string") {
        // The last refresh could not read it, so it is read now. It is written only if the program changed the amount,
        // as any update: a portal change made meanwhile is recorded (and shows as drift), never overwritten on the
        // strength of a stale state value (ignoreChanges puts the stored amount into the program's inputs).
        const client = await getClient();
        const operation = client.startOperation();
        const programChanged = !sameAmount(amount, inputs.amount);
        ({ amount } = await client.getBudget(inputs.customerId, operation));
        if (programChanged && !sameAmount(amount, inputs.amount))
          ({ amount } = await client.patchBudget(inputs.customerId, inputs.amount, operation));
      } else if (!sameAmount(amount, inputs.amount)) {
        const client = await getClient();
        ({ amount } = await client.patchBudget(inputs.customerId, inputs.amount, client.startOperation()));
      }
      const outs: UsageBudgetOutputs = {
        customerId: inputs.customerId,
        amount,
        previousAmount: storedAmount(olds.previousAmount),
        onDelete: inputs.onDelete,
        // The spend of the last create or refresh, beside the new amount (an update reads none).
        ...spendOutputs(storedSpend(olds), amount),
      };
      return { outs };
    },

    async delete(id: string, props: Props) {
      if (storedOnDelete.parse(props?.onDelete) !== "clear") return;
      const customerId = storedCustomerId(id, props);
      const client = await getClient();
      try {
        await client.patchBudget(customerId, null, client.startOperation());
      } catch (error) {
        if (!isGone(error)) throw error;
      }
    },
  };
}
