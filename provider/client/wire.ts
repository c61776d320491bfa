import { z } from "zod";
import type { ServiceFault } from "./errors";

/** A body that could not be read as the documented JSON. */
export class WireFormatError extends Error {
  override readonly name = "WireFormatError";
}

/** Lowercases the first letter of every key at every depth, so `Amount` and `amount` read alike. */
function camelCaseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelCaseKeys);
  if (value === null || typeof value !== "object") return value;
  const result: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    result[key.charAt(0).toLowerCase() + key.slice(1)] = camelCaseKeys(inner);
  }
  return result;
}

/**
 * Parses a Partner Center JSON body tolerantly: strips a UTF-8 byte order
 * mark and normalises key casing.
 *
 * @param text - the body as received
 */
export function parseJsonBody(text: string): unknown {
  const stripped = text.replace(/^\uFEFF/, "");
  try {
    return camelCaseKeys(JSON.parse(stripped));
  } catch (error) {
    const preview = stripped.slice(0, 80).replace(/\s+/g, " ");
    throw new WireFormatError(`the body is not JSON (${(error as Error).message}); it starts ${JSON.stringify(preview)}`);
  }
}

const decimalText = /^-?\d+(\.\d+)?$/;

/** An amount as the service may send it: a number, a numeric string, or null. */
const wireAmount = z.union([
  z.number(),
  z.string().regex(decimalText).transform(Number),
  z.null(),
]);

/** The usage budget document of GET and PATCH responses; `amount` missing means no budget. */
const budgetDocument = z.looseObject({ amount: wireAmount.optional() });

/** A customer's usage budget as read from Partner Center. */
export interface WireBudget {
  /** The budget; null when the customer has none. */
  readonly amount: number | null;
}

/**
 * Reads a usage budget body. `usageSpendingBudget`, the legacy duplicate, is
 * ignored: `amount` is the real field.
 *
 * @param text - the response body
 */
export function parseBudget(text: string): WireBudget {
  const parsed = budgetDocument.safeParse(parseJsonBody(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new WireFormatError(`"${issue?.path.join(".")}" is not a budget amount (${issue?.message})`);
  }
  return { amount: parsed.data.amount ?? null };
}

/** The amount as the PATCH body sends it (PascalCase, as documented). */
export function budgetPatchBody(amount: number | null): string {
  return JSON.stringify({ Amount: amount, Attributes: { ObjectType: "SpendingBudget" } });
}

const errorDocument = z.looseObject({
  code: z.union([z.number(), z.string()]).optional(),
  description: z.string().optional(),
  message: z.string().optional(),
  statusCode: z.number().optional(),
});

/**
 * Reads whatever an error response carries: Partner Center's error document,
 * the gateway's throttling document, or an HTML or empty body.
 *
 * @param text - the response body
 * @param contentType - the response's content type, if any
 */
export function parseFault(text: string, contentType: string | undefined): ServiceFault {
  const body = text.replace(/^\uFEFF/, "").trim();
  if (body === "") return {};
  let document: unknown;
  try {
    document = parseJsonBody(body);
  } catch {
    return { description: `a ${contentType ?? "non-JSON"} body of ${body.length} characters, not a Partner Center error` };
  }
  const parsed = errorDocument.safeParse(document);
  if (!parsed.success) return { description: body.slice(0, 200) };
  const { code, description, message } = parsed.data;
  return {
    code: code === undefined ? undefined : String(code),
    description: description ?? message,
  };
}

const customerDocument = z.looseObject({
  id: z.string(),
  companyProfile: z.looseObject({ companyName: z.string().optional(), domain: z.string().optional() }).optional(),
});

const linkDocument = z.looseObject({
  uri: z.string(),
  headers: z.array(z.looseObject({ key: z.string(), value: z.string() })).optional(),
});

const customerPageDocument = z.looseObject({
  totalCount: z.number().optional(),
  items: z.array(customerDocument),
  links: z.looseObject({ next: linkDocument.optional() }).optional(),
});

/** One customer from the customer list. */
export interface WireCustomer {
  /** The customer's tenant id. */
  readonly id: string;
  /** The company name, when given. */
  readonly companyName?: string;
  /** The primary domain, when given. */
  readonly domain?: string;
}

/** One page of the customer list, and how to get the next one. */
export interface WireCustomerPage {
  /** The customers on this page. */
  readonly customers: WireCustomer[];
  /** The next page's link, absent on the last page. */
  readonly next?: { uri: string; headers: Record<string, string> };
}

/**
 * Reads a page of `GET /v1/customers`.
 *
 * @param text - the response body
 */
export function parseCustomerPage(text: string): WireCustomerPage {
  const parsed = customerPageDocument.safeParse(parseJsonBody(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new WireFormatError(`not a customer collection ("${issue?.path.join(".")}": ${issue?.message})`);
  }
  const next = parsed.data.links?.next;
  return {
    customers: parsed.data.items.map((item) => ({
      id: item.id,
      companyName: item.companyProfile?.companyName,
      domain: item.companyProfile?.domain,
    })),
    next: next && {
      uri: next.uri,
      headers: Object.fromEntries((next.headers ?? []).map((header) => [header.key, header.value])),
    },
  };
}
