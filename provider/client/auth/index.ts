/** The client's credentials: what a request asks for a token. Building one from settings is `provider/settings/credentials.ts`'s job. */
export type { TokenCredential } from "./credential";
export { StaticTokenCredential } from "./staticToken";
export { CachedCredential } from "./cachedCredential";
