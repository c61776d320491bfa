/** The Partner Center endpoint: its default, and the URL checks its validator (./endpointSchema) and other settings use. */
import { isIP } from "node:net";

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
