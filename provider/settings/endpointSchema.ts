/**
 * The endpoint setting's validator. Apart from ./endpoint, whose constants
 * the public declarations re-export, so that they never name zod's types.
 */
import { z } from "zod";
import { describeValue } from "../shared/describe";
import { DEFAULT_ENDPOINT, isLoopbackHost, parseUrl } from "./endpoint";

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
    ctx.addIssue({
      code: "custom",
      message: `${describeValue(text)} is not an http(s) URL; use e.g. ${DEFAULT_ENDPOINT}`,
    });
  } else if (url.username || url.password || /[?#]/.test(raw) || url.pathname !== "/") {
    // A path, even an empty query or fragment ("…/?", "…/#"), changes where requests go: every 404 would then be the
    // gateway's, not Partner Center's answer about a customer.
    ctx.addIssue({
      code: "custom",
      message: `${describeValue(text)} must be the API's base URL only, with no path, credentials, query or fragment; use e.g. ${DEFAULT_ENDPOINT}`,
    });
  }
});
