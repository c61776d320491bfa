/**
 * One resource per customer: every UsageBudget in a program claims its
 * customer here, and a customer claimed twice (a standalone budget, an
 * uppercase copy, an entry of a UsageBudgetSet) fails the program before any
 * resource is registered, so before any request. Two budgets on one customer
 * would flip the budget on every `up`, and deleting one with
 * `onDelete: "clear"` would wipe what the other still declares.
 */
import { DuplicateCustomerError } from "../shared/errors";
import * as pulumi from "@pulumi/pulumi";
import { GUID_PATTERN } from "../budget/inputs";

/** Each program run's claims, shared by every copy of this package in the process. */
const REGISTRY = Symbol.for("pulumi-partnercenter.customerClaims");
/** Claims made outside a Pulumi program run (no stack resource), kept for the process. */
const OUTSIDE_A_RUN = {};

/** Every resource that claimed each customer (lowercase id), by customer. */
type Claims = Map<string, string[]>;

/**
 * The claims of the program run under way. One process can run a program
 * many times (the Automation API runs inline programs in the caller's
 * process, a run per operation), so claims belong to the run: its root
 * `pulumi:pulumi:Stack` resource, which `@pulumi/pulumi` creates afresh for
 * each run before the program's code starts (runtime/stack.ts
 * `Stack.runInit`). Held weakly, so a finished run's claims go with it.
 */
function currentClaims(): Claims {
  const holder = globalThis as { [REGISTRY]?: WeakMap<object, Claims> };
  holder[REGISTRY] ??= new WeakMap();
  const run: object = pulumi.runtime.getStackResource() ?? OUTSIDE_A_RUN;
  let claims = holder[REGISTRY].get(run);
  if (!claims) holder[REGISTRY].set(run, (claims = new Map()));
  return claims;
}

/** Claims a valid customer id as the provider will use it (lowercase); an invalid one is left to `check`, which refuses it. */
function claim(claims: Claims, customerId: string, resource: string): void {
  if (!GUID_PATTERN.test(customerId)) return;
  const key = customerId.toLowerCase();
  claims.set(key, [...(claims.get(key) ?? []), resource]);
}

/** Customers declared more than once, as one message naming each and its resources. */
function duplicates(claims: Claims): string | undefined {
  const lines = [...claims]
    .filter(([, resources]) => resources.length > 1)
    .map(
      ([customer, resources]) =>
        `customer ${customer} is declared by ${resources.length} resources: ${resources.join(", ")}`,
    );
  if (lines.length === 0) return undefined;
  return `${lines.join("; ")}. Each customer's budget must be declared by one resource only: remove the others (a UsageBudgetSet entry counts as one).`;
}

/** The error of a run in which a customer is claimed twice: one instance, so the run reports it once. */
const FAILURES = new WeakMap<Claims, DuplicateCustomerError>();

function failureOf(claims: Claims): DuplicateCustomerError | undefined {
  const problem = duplicates(claims);
  if (problem === undefined) return undefined;
  let failure = FAILURES.get(claims);
  if (!failure) FAILURES.set(claims, (failure = new DuplicateCustomerError(problem)));
  return failure;
}

/**
 * Claims the customer for a resource, and gives back its customer id as an
 * input that resolves only once the program's synchronous part has declared
 * everything (the next turn of the event loop), and only if no customer is
 * claimed twice. A plain customer id that is already claimed throws at once,
 * naming the resources declared so far. The other claimants' inputs then fail
 * with that same error, so nothing is registered, nothing is sent, and the run
 * ends with one message (`@pulumi/pulumi` reports an error thrown by a program
 * and by its pending registrations once). A customer id not known yet
 * (another resource's output) is claimed when it resolves, and a duplicate
 * found then fails the run the same way.
 *
 * @param customerId - the customer id as the program gives it
 * @param resource - how to name the resource in a message (`UsageBudget "contoso"`)
 */
export function claimCustomer(customerId: pulumi.Input<string>, resource: string): pulumi.Output<string> {
  // Taken now, while the program's run is the current one: the callback below runs later.
  const claims = currentClaims();
  if (typeof customerId === "string") {
    claim(claims, customerId, resource);
    // Thrown where the second declaration is written: the program stops before it registers anything more.
    const failure = failureOf(claims);
    if (failure) throw failure;
  }
  return pulumi.output(customerId).apply(async (id) => {
    if (typeof customerId !== "string" && typeof id === "string") claim(claims, id, resource);
    await new Promise((resolve) => setImmediate(resolve));
    // Never left pending: a registration that waits forever holds the whole run open (an Automation API run never ends).
    const failure = failureOf(claims);
    if (failure) throw failure;
    return id;
  });
}

/**
 * Claims many customers for one resource (a UsageBudgetMap) at once: as {@link claimCustomer}, with one output for
 * them all rather than one per customer.
 *
 * @param customerIds - plain customer ids, already validated
 * @param resource - how to name the resource in a message
 * @returns an output that resolves to true once the program has declared everything, if no customer is claimed twice
 */
export function claimCustomers(customerIds: readonly string[], resource: string): pulumi.Output<true> {
  const claims = currentClaims();
  for (const customerId of customerIds) claim(claims, customerId, resource);
  const failure = failureOf(claims);
  if (failure) throw failure;
  return pulumi.output(
    new Promise<true>((resolve, reject) =>
      setImmediate(() => {
        const later = failureOf(claims);
        if (later) reject(later);
        else resolve(true);
      }),
    ),
  );
}
