/** The Partner Center endpoint setting: what a base URL must be. */
import { isIP } from "node:net";
import { z } from "zod";
import { describeValue } from "./describe";

/** The public Partner Center API. */
export const DEFAULT_ENDPOINT = "https://api.partnercenter.microsoft.com";

/** Hosts that may be reached over plain http: the loopback interface only. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1";
}

/** The URL, or undefined when the text is not one. */
export function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** A URL as an error message may show it: anything that looks like `user:password@` replaced by `***@`. */
function withoutCredentials(text: string): string {
  return text.replace(/(\/\/)?[^\s/@]*:[^\s/@]*@/g, (_match, slashes: string | undefined) => `${slashes ?? ""}***@`);
}

/** The endpoint: an http(s) base URL, plain http for loopback only, nothing after the host. */
export const endpointSchema = z.string().superRefine((raw, ctx) => {
  const url = parseUrl(raw);
  const text = withoutCredentials(raw);
  if (!url) {
    ctx.addIssue({ code: "custom", message: `${describeValue(text)} is not a URL; use e.g. ${DEFAULT_ENDPOINT}` });
    return;
  }
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    ctx.addIssue({
      code: "custom",
      message: `${describeValue(text)} uses plain http to a host that is not loopback; use https (http is accepted for 127.0.0.1, localhost and [::1] only)`,
    });
  } else if (url.protocol !== "http:" && url.protocol !== "https:") {
    ctx.addIssue({ code: "custom", message: `${describeValue(text)} is not an http(s) URL; use e.g. ${DEFAULT_ENDPOINT}` });
  } else if (url.username || url.password || /[?#]/.test(raw) || url.pathname !== "/") {
    // A path, even an empty query or fragment ("…/?", "…/#"), changes where requests go: every 404 would then be the
    // gateway's, not Partner Center's answer about a customer.
    ctx.addIssue({ code: "custom", message: `${describeValue(text)} must be the API's base URL only, with no path, credentials, query or fragment; use e.g. ${DEFAULT_ENDPOINT}` });
  }
});

