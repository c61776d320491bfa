import { request, type Dispatcher } from "undici";
import type { Secret } from "../../shared/secret";
import { readBodyText } from "../http/boundedBody";
import { FEDERATED_AUDIENCE } from "./msalCredentials";
import { CredentialError } from "../../shared/errors";

/** How long GitHub's OIDC endpoint may take to answer. */
const GITHUB_OIDC_TIMEOUT_MS = 60_000;

/** GitHub Actions' OIDC token, requested for the Entra audience through the shared dispatcher. */
export function githubAssertion(oidc: { url: string; token: Secret }, dispatcher: Dispatcher): () => Promise<string> {
  return async () => {
    const url = `${oidc.url}${oidc.url.includes("?") ? "&" : "?"}audience=${encodeURIComponent(FEDERATED_AUDIENCE)}`;
    // A deadline: nothing waits on GitHub's endpoint without one.
    const signal = AbortSignal.timeout(GITHUB_OIDC_TIMEOUT_MS);
    const response = await request(url, {
      dispatcher,
      signal,
      headers: { authorization: `Bearer ${oidc.token.reveal()}`, accept: "application/json" },
    }).catch((error: unknown) => {
      throw new CredentialError(
        `GitHub Actions' OIDC endpoint could not be reached${signal.aborted ? ` within ${GITHUB_OIDC_TIMEOUT_MS / 1000} s` : ""} (${(error as Error).message})`,
      );
    });
    const body = (await readBodyText(response.body, 1024 * 1024)
      .then((text) => JSON.parse(text) as unknown)
      .catch(() => ({}))) as { value?: string };
    if (response.statusCode !== 200 || !body.value) {
      throw new CredentialError(
        `GitHub Actions gave no OIDC token (HTTP ${response.statusCode}): the job needs "permissions: id-token: write"`,
      );
    }
    return body.value;
  };
}
