/**
 * The ways to authenticate, one entry each: when the settings choose it, how
 * its credential is built, what to set when it is forced and absent, how the
 * "nothing configured" message offers it, and which settings hold its
 * secrets. Everything else derives from this table: `partnercenter:auth`'s
 * values, the order modes are weighed in, which settings are read as
 * `Secret`s, the "nothing configured" message, and the leak tests' canaries
 * (test/support/secretCanaries.ts). A new mode is one entry.
 */
import type { TokenCredential } from "../client/auth/credential";
import { azurePipelinesAssertion } from "../client/auth/azurePipelinesOidc";
import { githubAssertion } from "../client/auth/githubOidc";
import {
  clientCertificateCredential,
  clientSecretCredential,
  federatedCredential,
  refreshTokenCredential,
  type AppContext,
} from "../client/auth/msalCredentials";
import { StaticTokenCredential } from "../client/auth/staticToken";
import { readClientCertificate, tokenFileAssertion } from "./credentialFiles";
import { companionOf, isGithubsOwn } from "./credentialOrigins";
import { runContext } from "../shared/runContext";
import { settingName, settingPlaces, type SettingName } from "./settingSources";
import { SettingsError } from "../shared/errors";
import type { CredentialSettings } from "./settings";

/** Where a secret is read from: a setting, or a variable the CI job sets (read as is, never from stack config). */
export type SecretPlace = SettingName | { readonly jobVariable: string };

interface ModeBasics {
  /** Where the settings that choose it came from, when they are set on purpose; undefined when they are not. */
  configured(credentials: CredentialSettings): string | undefined;
  /** Where the CI around the process offers it unasked (used only when nothing is configured); such a mode's hint says where to run. */
  ambient?(credentials: CredentialSettings): string | undefined;
  /** For an OIDC mode (what `ARM_USE_OIDC` prefers): the `ARM_*` names that offer its token. */
  readonly armOidc?: string;
  /** What is missing, after "`auth` is <mode> but ", when it is forced and its settings are absent. */
  missing(): string;
  /** How to set it, in the message that says nothing is configured. */
  hint(): string;
  /** Where its secrets are read from: settings reads them as `Secret`s; the leak tests put a canary in each. */
  readonly secrets: readonly SecretPlace[];
}

/** One way to authenticate: a bearer token given as is, or an app of the partner's tenant (an MSAL credential). */
export type CredentialMode = ModeBasics &
  (
    | {
        readonly app: false;
        /** The credential, or undefined when its settings are absent. */ build(
          credentials: CredentialSettings,
        ): TokenCredential | undefined;
      }
    | {
        readonly app: true;
        /** The credential, or undefined when its settings are absent. */ build(
          credentials: CredentialSettings,
          context: AppContext,
        ): TokenCredential | undefined;
      }
  );

const n = settingName;

/** Every way to authenticate, in the order they are listed, weighed and offered. */
export const CREDENTIAL_MODES = {
  accessToken: {
    app: false,
    configured: (c) => c.accessToken?.origin,
    missing: () => `no token is set: set ${settingPlaces("accessToken")}`,
    hint: () =>
      runContext() === "cli"
        ? "environment variable PARTNERCENTER_ACCESS_TOKEN"
        : "stack config partnercenter:accessToken (pulumi config set --secret partnercenter:accessToken <token>) or PARTNERCENTER_ACCESS_TOKEN",
    secrets: ["accessToken"],
    build: (c) => c.accessToken && new StaticTokenCredential(c.accessToken.value),
  },
  clientSecret: {
    app: true,
    // With a refresh token, the secret is the App+User credential's own (a confidential client), not a mode of its own.
    configured: (c) => (c.refreshToken ? undefined : c.clientSecret?.origin),
    missing: () => `no secret is set: set ${settingPlaces("clientSecret")}`,
    hint: () => n("clientSecret"),
    secrets: ["clientSecret"],
    build: (c, context) => c.clientSecret && clientSecretCredential(context, c.clientSecret.value),
  },
  clientCertificate: {
    app: true,
    configured: (c) => (c.clientCertificate ?? c.clientCertificatePath)?.origin,
    missing: () =>
      `none is set: set ${settingPlaces("clientCertificatePath")} or ${n("clientCertificate")} (PEM, as a secret)`,
    hint: () => `${n("clientCertificatePath")} / ${n("clientCertificate")}`,
    secrets: ["clientCertificate", "clientCertificatePassword"],
    build: (c, context) => {
      const source = c.clientCertificate ?? c.clientCertificatePath;
      if (!source) return undefined;
      return clientCertificateCredential(
        context,
        readClientCertificate(
          source,
          source === c.clientCertificatePath,
          companionOf(source.origin, c.clientCertificatePassword),
        ),
      );
    },
  },
  federatedToken: {
    app: true,
    configured: (c) => c.federatedTokenFile?.origin,
    armOidc: "ARM_OIDC_TOKEN_FILE_PATH",
    missing: () => `no token file is set: set ${settingPlaces("federatedTokenFile")}`,
    hint: () => `${n("federatedTokenFile")} (AZURE_FEDERATED_TOKEN_FILE, ARM_OIDC_TOKEN_FILE_PATH)`,
    // The token is in a file: read afresh for every token, and sent as an assertion, which MSAL's network client remembers.
    secrets: [],
    build: (c, context) =>
      c.federatedTokenFile &&
      federatedCredential(
        context,
        `the federated token in ${c.federatedTokenFile.value}`,
        tokenFileAssertion(c.federatedTokenFile),
      ),
  },
  oidcToken: {
    app: true,
    configured: (c) => c.oidcToken?.origin,
    armOidc: "ARM_OIDC_TOKEN",
    missing: () => `no token is set: set ${settingPlaces("oidcToken")}`,
    hint: () => `${n("oidcToken")} (ARM_OIDC_TOKEN)`,
    secrets: ["oidcToken"],
    build: (c, context) => {
      const token = c.oidcToken;
      return (
        token && federatedCredential(context, `the OIDC token from ${token.origin}`, async () => token.value.reveal())
      );
    },
  },
  githubOidc: {
    app: true,
    configured: (c) => (c.githubOidc && !isGithubsOwn(c.githubOidc.origin) ? c.githubOidc.origin : undefined),
    ambient: (c) =>
      c.githubOidc && isGithubsOwn(c.githubOidc.origin) ? `the GitHub Actions job (${c.githubOidc.origin})` : undefined,
    armOidc: "ARM_OIDC_REQUEST_URL with ARM_OIDC_REQUEST_TOKEN",
    missing: () =>
      `ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set: give the job "permissions: id-token: write"`,
    hint: () => `in GitHub Actions with "permissions: id-token: write"`,
    secrets: ["oidcRequestToken"],
    build: (c, context) =>
      c.githubOidc &&
      federatedCredential(context, "the GitHub Actions OIDC token", githubAssertion(c.githubOidc, context.dispatcher)),
  },
  azurePipelines: {
    app: true,
    configured: (c) => (c.azurePipelines?.explicit ? c.azurePipelines.serviceConnectionId.origin : undefined),
    ambient: (c) =>
      c.azurePipelines && !c.azurePipelines.explicit ? c.azurePipelines.serviceConnectionId.origin : undefined,
    armOidc: "ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID in an Azure Pipelines job",
    missing: () =>
      `no service connection is set: set ${settingPlaces("adoServiceConnectionId")} to the id of an Azure Resource Manager service connection that uses workload identity federation`,
    hint: () =>
      `in Azure Pipelines with ${n("adoServiceConnectionId")} (ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID) and SYSTEM_ACCESSTOKEN mapped`,
    secrets: [{ jobVariable: "SYSTEM_ACCESSTOKEN" }],
    build: (c, context) => {
      const pipelines = c.azurePipelines;
      if (!pipelines) return undefined;
      const { serviceConnectionId } = pipelines;
      if (!pipelines.requestUri)
        throw new SettingsError(
          `The Azure Pipelines credential (service connection ${serviceConnectionId.value}, from ${serviceConnectionId.origin}) needs SYSTEM_OIDCREQUESTURI, which every Azure Pipelines job sets: run it in a pipeline job`,
        );
      if (!pipelines.accessToken)
        throw new SettingsError(
          `The Azure Pipelines credential (service connection ${serviceConnectionId.value}) needs SYSTEM_ACCESSTOKEN, which a pipeline never exposes on its own: add "env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)" to the step that runs Pulumi`,
        );
      const assertion = azurePipelinesAssertion(
        {
          requestUri: pipelines.requestUri,
          accessToken: pipelines.accessToken,
          serviceConnectionId: serviceConnectionId.value,
        },
        context.dispatcher,
      );
      return federatedCredential(
        context,
        `the Azure DevOps service connection ${serviceConnectionId.value}`,
        assertion,
      );
    },
  },
  refreshToken: {
    app: true,
    configured: (c) => c.refreshToken?.origin,
    missing: () => `none is set: set ${settingPlaces("refreshToken")}`,
    hint: () => n("refreshToken"),
    // With a client secret, the app is a confidential client.
    secrets: ["refreshToken", "clientSecret"],
    build: (c, context) =>
      c.refreshToken &&
      refreshTokenCredential(context, c.refreshToken.value, companionOf(c.refreshToken.origin, c.clientSecret)?.value),
  },
} as const satisfies Record<string, CredentialMode>;

/** One way to authenticate (`partnercenter:auth` forces one). */
export type AuthMode = keyof typeof CREDENTIAL_MODES;

/** The ways to authenticate, in the table's order. */
export const AUTH_MODES = Object.keys(CREDENTIAL_MODES) as readonly AuthMode[];

/** A mode's entry as a {@link CredentialMode} (the table itself keeps each entry's literal types, which {@link SecretSetting} needs). */
export function credentialMode(mode: AuthMode): CredentialMode {
  return CREDENTIAL_MODES[mode];
}

/** Every place of the table's secrets, as literal types. */
type Place = (typeof CREDENTIAL_MODES)[AuthMode]["secrets"][number];
/** A setting some mode keeps a secret in: settings reads it as a `Secret`, and only such a setting. */
export type SecretSetting = Extract<Place, string>;
/** A CI job's variable some mode keeps a secret in. */
export type SecretJobVariable = Extract<Place, { jobVariable: string }>["jobVariable"];
