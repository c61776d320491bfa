import { realpathSync } from "node:fs";
import { sep } from "node:path";
import type * as pulumi from "@pulumi/pulumi";

/**
 * The provider object Pulumi serializes into every UsageBudget's
 * `__provider`. It holds no code of its own and no value: each method loads
 * the installed package's host at run time (the `require` stays as written
 * in the serialized text and resolves from the project's `node_modules`), so
 * the state stays small, holds no credential, and resources created by an
 * older version are served by the version installed now.
 *
 * Rest parameters keep the serialized text small: Pulumi wraps every method
 * in a function whose parameter list mirrors the method's.
 */
export const usageBudgetProviderShim: pulumi.dynamic.ResourceProvider = {
  configure: (...a) => require("pulumi-partnercenter/host").configure(...a),
  check: (...a) => require("pulumi-partnercenter/host").check(...a),
  diff: (...a) => require("pulumi-partnercenter/host").diff(...a),
  create: (...a) => require("pulumi-partnercenter/host").create(...a),
  read: (...a) => require("pulumi-partnercenter/host").read(...a),
  update: (...a) => require("pulumi-partnercenter/host").update(...a),
  delete: (...a) => require("pulumi-partnercenter/host").delete(...a),
};

/** Whether this package was loaded from a `node_modules` directory (installed), rather than from a linked source checkout. */
function loadedFromNodeModules(): boolean {
  return realpathSync(__filename).split(sep).includes("node_modules");
}

/**
 * The provider UsageBudget registers. Installed from npm, it is the host
 * module itself: Pulumi serializes a module loaded from `node_modules` as
 * `require("pulumi-partnercenter/host")`, so `__provider` is a couple of
 * hundred bytes. Linked from a source checkout (this repository's own demo),
 * Pulumi would serialize the module by value, so the shim above stands in.
 * Both load the installed package's host at run time. (@pulumi/pulumi
 * `runtime/closure/createClosure.js` `captureModuleAsync`: a module whose path
 * runs through node_modules is captured as a `require`, a local one by value;
 * `runtime/closure/package.js` `getModuleFromPath` names it through the
 * package's `exports`, here `./host`.)
 */
export const usageBudgetProvider: pulumi.dynamic.ResourceProvider = loadedFromNodeModules() ? (require("./entryPoint") as pulumi.dynamic.ResourceProvider) : usageBudgetProviderShim;

/** The UsageBudgetMap's stand-in for a linked source checkout, as {@link usageBudgetProviderShim} (its host is `pulumi-partnercenter/budget-map-host`). */
export const usageBudgetMapProviderShim: pulumi.dynamic.ResourceProvider = {
  configure: (...a) => require("pulumi-partnercenter/budget-map-host").configure(...a),
  check: (...a) => require("pulumi-partnercenter/budget-map-host").check(...a),
  diff: (...a) => require("pulumi-partnercenter/budget-map-host").diff(...a),
  create: (...a) => require("pulumi-partnercenter/budget-map-host").create(...a),
  read: (...a) => require("pulumi-partnercenter/budget-map-host").read(...a),
  update: (...a) => require("pulumi-partnercenter/budget-map-host").update(...a),
  delete: (...a) => require("pulumi-partnercenter/budget-map-host").delete(...a),
};

/** The provider UsageBudgetMap registers, chosen as {@link usageBudgetProvider} is. */
export const usageBudgetMapProvider: pulumi.dynamic.ResourceProvider = loadedFromNodeModules() ? (require("./budgetMapEntryPoint") as pulumi.dynamic.ResourceProvider) : usageBudgetMapProviderShim;
