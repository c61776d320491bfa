/** The Entra app and the Azure DevOps service connection (workload identity federation) the pipeline tests share. */
import type { ServiceConnection } from "pulumi-partnercenter/emulator";

/** The app registration the service connection signs in as. */
export const PIPELINE_CLIENT_ID = "5a0f1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b";

/** A service connection with workload identity federation, referenced by the stage. */
export const FEDERATED_CONNECTION: ServiceConnection = {
  id: "3f6c9d2a-8b1e-4c7f-a5d0-2e9b7c4a1f08",
  name: "partner-center-budgets",
  workloadIdentityFederation: true,
};
