/**
 * The one `usagerecords` listing `report` and `export --with-spend` read
 * spend from, and the one line they fail with when Partner Center refuses it
 * (an app-only credential, an App+User token without MFA).
 */
import type { PartnerCenterClient } from "../client/partnerCenter";
import type { WireUsageRecord } from "../client/wire/spendWire";
import { MFA_REQUIRED, PartnerCenterStatusError, SpendUnavailableError } from "../shared/errors";

/** What the CLI needs for spend, in its own words (environment variables). */
const HOW_TO =
  "set PARTNERCENTER_REFRESH_TOKEN to a refresh token from a sign-in with MFA, with PARTNERCENTER_TENANT_ID, PARTNERCENTER_CLIENT_ID and PARTNERCENTER_CLIENT_SECRET (docs/spend.md)";

/**
 * Why spend could not be read, in one line; a refused credential says what Partner Center needs.
 *
 * @param error - what the listing failed with
 * @param command - the command that read it, which begins the line
 */
export function describeSpendListingFailure(error: unknown, command: string): string {
  if (error instanceof PartnerCenterStatusError && error.status === 401 && error.serviceCode === MFA_REQUIRED) {
    return `${command}: Partner Center needs an App+User token from a sign-in with MFA (code ${MFA_REQUIRED}); this one's sign-in did not use MFA: obtain PARTNERCENTER_REFRESH_TOKEN again, signing in with MFA`;
  }
  if (error instanceof PartnerCenterStatusError && (error.status === 401 || error.status === 403)) {
    return `${command}: spend needs an App+User credential signed in with MFA; Partner Center refused this one (HTTP ${error.status}${error.serviceCode ? `, code ${error.serviceCode}` : ""}): ${HOW_TO}`;
  }
  return `${command}: month-to-date spend could not be read: ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * Every customer's usage record, from one listing (every page of it).
 *
 * @param client - the Partner Center client
 * @param command - the command reading it, for the failure's line
 * @throws {@link SpendUnavailableError} whose message is {@link describeSpendListingFailure}'s one line (the command exits 2)
 */
export async function readUsageRecords(client: PartnerCenterClient, command: string): Promise<WireUsageRecord[]> {
  try {
    return await client.listUsageRecords();
  } catch (error) {
    throw new SpendUnavailableError(describeSpendListingFailure(error, command), { cause: error });
  }
}
