/**
 * The usage budget guardrails as a CrossGuard policy pack:
 *   pulumi preview --policy-pack examples/policy
 * Configure the limits with --policy-pack-config (see README).
 */
import { PolicyPack } from "@pulumi/policy";
import { usageBudgetPolicies } from "./policies";

new PolicyPack("partnercenter-usage-budgets", { policies: usageBudgetPolicies });
