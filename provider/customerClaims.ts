/**
 * One resource per customer: every UsageBudget in a program claims its
 * customer here, and a customer claimed twice (a standalone budget, an
 * uppercase copy, an entry of a UsageBudgetSet) fails the program before any
 * resource is registered, so before any request. Two budgets on one customer
 * would flip the budget on every `up`, and deleting one with
 * `onDelete: "clear"` would wipe what the other still declares.
 */
import { PartnerCenterError } from "./errors";
import * as pulumi from "@pulumi/pulumi";
import { GUID_PATTERN } from "./inputs";

/** Every resource that claimed each customer (lowercase id), shared by every copy of this package in the process. */
const REGISTRY = Symbol.for("pulumi-partnercenter.customerClaims");

function claims(): Map<string, string[]> {
  const holder = globalThis as { [REGISTRY]?: Map<string, string[]> };
  holder[REGISTRY] ??= new Map();
  return holder[REGISTRY];
}

/** Claims a valid customer id as the provider will use it (lowercase); an invalid one is left to `check`, which refuses it. */
function claim(customerId: string, resource: string): void {
  if (!GUID_PATTERN.test(customerId)) return;
  const key = customerId.toLowerCase();
  claims().set(key, [...(claims().get(key) ?? []), resource]);
}

/** Customers declared more than once, as one message naming each and its resources. */
function duplicates(): string | undefined {
  const lines = [...claims()].filter(([, resources]) => resources.length > 1).map(([customer, resources]) => `customer ${customer} is declared by ${resources.length} resources: ${resources.join(", ")}`);
  if (lines.length === 0) return undefined;
  return `${lines.join("; ")}. Each customer's budget must be declared by one resource only: remove the others (a UsageBudgetSet entry counts as one).`;
}

/** The program's resources declaring the same customer, named. */
export class DuplicateCustomerError extends PartnerCenterError {
  /** @param message - the customers and the resources declaring each */
  constructor(message: string) {
    super("PC_ERR_DUPLICATE_CUSTOMER", message);
  }
}

/**
 * Claims the customer for a resource, and gives back its customer id as an
 * input that resolves only once the program's synchronous part has declared
 * everything (the next turn of the event loop), and only if no customer is
 * claimed twice. A plain customer id that is already claimed throws at once,
 * naming the resources declared so far; the earlier claimants then never
 * register. A customer id not known yet (another resource's output) is
 * claimed when it resolves, and a duplicate found then holds that resource
 * back without failing the program: only plain ids are caught before any request.
 *
 * @param customerId - the customer id as the program gives it
 * @param resource - how to name the resource in a message (`UsageBudget "contoso"`)
 */
export function claimCustomer(customerId: pulumi.Input<string>, resource: string): pulumi.Output<string> {
  if (typeof customerId === "string") {
    claim(customerId, resource);
    // Thrown where the second declaration is written: the program stops before it registers anything more, and the
    // earlier claimants' registrations are held at the gate below, so nothing is registered and nothing is sent.
    const problem = duplicates();
    if (problem) throw new DuplicateCustomerError(problem);
  }
  return pulumi.output(customerId).apply(async (id) => {
    if (typeof customerId !== "string" && typeof id === "string") claim(id, resource);
    await new Promise((resolve) => setImmediate(resolve));
    // With a duplicate the program has already failed (thrown above): this resource is never registered.
    if (duplicates()) return new Promise<string>(() => undefined);
    return id;
  });
}
