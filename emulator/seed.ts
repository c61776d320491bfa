import { createHash } from "node:crypto";

/** A customer the emulator knows, with its budget and relationship. */
export interface CustomerRecord {
  /** The customer's tenant id, lowercase. */
  id: string;
  /** The company name. */
  companyName: string;
  /** The customer's primary domain. */
  domain: string;
  /** The usage budget; null for none. */
  amount: number | null;
  /** False when the partner has no commerce relationship (the service answers 403, code 20002). */
  relationship: boolean;
  /** Month-to-date usage cost in the billing currency (`totalCost`); 0 when left out. */
  spend?: number;
  /** The billing currency, an ISO 4217 code; USD when left out. */
  currency?: string;
  /** On the legacy Microsoft Azure offer (MS-AZR-0145P): usage answers carry `currencyLocale`, no `currencyCode` nor `usdTotalCost`. */
  legacyOffer?: boolean;
}

/** The demo customers: fixed ids so that the demo stack and the README can name them. */
export const DEMO_CUSTOMERS: readonly CustomerRecord[] = [
  {
    id: "0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10",
    companyName: "Contoso Ltd",
    domain: "contoso.onmicrosoft.com",
    amount: 1000,
    relationship: true,
    spend: 812.4,
    currency: "EUR",
  },
  {
    id: "3f9d2b8e-7a41-4c0d-8e6f-1b2a3c4d5e6f",
    companyName: "Fabrikam Inc",
    domain: "fabrikam.onmicrosoft.com",
    amount: null,
    relationship: true,
    spend: 95.1,
    currency: "USD",
  },
  {
    id: "8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d",
    companyName: "Northwind Traders",
    domain: "northwind.onmicrosoft.com",
    amount: 250.5,
    relationship: true,
    spend: 301.25,
    currency: "GBP",
    legacyOffer: true,
  },
  {
    id: "5e4d3c2b-1a0f-4e9d-8c7b-6a5f4e3d2c1b",
    companyName: "Tailspin Toys",
    domain: "tailspin.onmicrosoft.com",
    amount: 75,
    relationship: false,
    spend: 12,
    currency: "USD",
  },
];

/** A deterministic tenant id for the n-th generated customer (the same on every run). */
export function generatedCustomerId(index: number): string {
  const hex = createHash("sha256").update(`pulumi-partnercenter-emulator-customer-${index}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Generates `count` customers with deterministic ids; every third has no
 * budget, the others a budget between 100 and 5000; month-to-date spend
 * between 0 and 6000 USD (so some are past 80 % and some past 100 %).
 *
 * @param count - how many customers
 */
export function generateCustomers(count: number): CustomerRecord[] {
  return Array.from({ length: count }, (_, index) => ({
    id: generatedCustomerId(index),
    companyName: `Customer ${index + 1}`,
    domain: `customer${index + 1}.onmicrosoft.com`,
    amount: index % 3 === 2 ? null : 100 + ((index * 37) % 4901),
    relationship: true,
    spend: ((index * 7919) % 600_000) / 100,
    currency: "USD",
  }));
}
