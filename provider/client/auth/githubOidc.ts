import { request, type Dispatcher } from "undici";
import type { Secret } from "../../secret";
import { readBodyText } from "../boundedBody";
import { CredentialError, FEDERATED_AUDIENCE } from "./msalCredentials";

/** GitHub Actions' OIDC token, requested for the Entra audience through the shared dispatcher. */
export function githubAssertion(oidc: { url: string; token: Secret }, dispatcher: Dispatcher): () => Promise<string> {
  return async () => {
    const url = `${oidc.url}${oidc.url.includes("?") ? "&" : "?"}audience=${encodeURIComponent(FEDERATED_AUDIENCE)}`;
    const response = await request(url, { dispatcher, headers: { authorization: `Bearer ${oidc.token.reveal()}`, accept: "application/json" } });
    const body = (await readBodyText(response.body, 1024 * 1024).then((text) => JSON.parse(text) as unknown).catch(() => ({}))) as { value?: string };
    if (response.statusCode !== 200 || !body.value) {
      throw new CredentialError(`GitHub Actions gave no OIDC token (HTTP ${response.statusCode}): the job needs "permissions: id-token: write"`);
    }
    return body.value;
  };
}

