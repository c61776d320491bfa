/**
 * The provider text each resource of this package stores in state as
 * `__provider`, written here rather than by Pulumi's closure serializer.
 *
 * `@pulumi/pulumi`'s dynamic provider host loads that text with
 * `require-from-string` and calls its `handler()` for the provider object
 * (cmd/dynamic-provider/index.js `getProvider`). With no file name given,
 * a `require` in the text resolves from the host's working directory, which
 * is the Pulumi program's directory, exactly as the program's own
 * `require("pulumi-partnercenter")` resolves. So one constant text serves
 * every package layout: npm's flat `node_modules`, a workspace hoisting the
 * package above the program's folder, pnpm's symlinks into its `.pnpm`
 * store, and `npm link`. It names no path and no version, so state written
 * by one version is served by whichever version is installed later.
 *
 * The closure serializer (`pulumi.dynamic.Resource`) would instead name the
 * module from where it finds the file: from `@pulumi/pulumi`'s own location
 * through the package's `exports` (runtime/closure/package.js
 * `getPackageDefinition`), else by a file path, pnpm's versioned store path
 * (SDK before 3.251), or by value with every method wrapped (a linked
 * checkout, 2 KB). Each of those is stored twice per resource (inputs and
 * outputs).
 */

/**
 * The entry point the stored text loads. State written by every version
 * names it (or, before this module, `pulumi-partnercenter/dist/provider/entryPoint.js`):
 * the package's `exports` must keep both, and the module's exports must keep
 * serving what they served.
 */
export const HOST_MODULE = "pulumi-partnercenter/host";

/** The entry point a {@link UsageBudgetMap}'s stored text loads; kept in the package's `exports` like {@link HOST_MODULE}. */
export const BUDGET_MAP_HOST_MODULE = "pulumi-partnercenter/budget-map-host";

/** A module a stored text may load. */
export type HostModule = typeof HOST_MODULE | typeof BUDGET_MAP_HOST_MODULE;

/** The type token prefix of a dynamic resource of this package, as `pulumi.dynamic.Resource` forms it with module `partnercenter`. */
const DYNAMIC_TYPE_PREFIX = "pulumi-nodejs:dynamic/partnercenter:";

/** A JavaScript identifier, for the host export a text may name. */
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * The type token of a dynamic resource of this package: the engine sends its
 * operations to the dynamic provider host (package `pulumi-nodejs`), which
 * runs the resource's `__provider`.
 *
 * @param type - the resource's type name, e.g. `UsageBudget`
 */
export function dynamicResourceType(type: string): string {
  if (!IDENTIFIER.test(type)) throw new Error(`resource type ${JSON.stringify(type)} is not an identifier`);
  return `${DYNAMIC_TYPE_PREFIX}${type}`;
}

/**
 * The `__provider` text that hands the host the installed package's provider:
 * a host module itself (UsageBudget's by default), or one of its exports.
 *
 * @param hostExport - the name of an export of the module that is a provider; omitted, the module is
 * @param module - the host module: {@link HOST_MODULE} (UsageBudget) or {@link BUDGET_MAP_HOST_MODULE}
 */
export function serializedProvider(hostExport?: string, module: HostModule = HOST_MODULE): string {
  if (hostExport !== undefined && !IDENTIFIER.test(hostExport))
    throw new Error(`host export ${JSON.stringify(hostExport)} is not an identifier`);
  const member = hostExport === undefined ? "" : `.${hostExport}`;
  return `exports.handler = () => require(${JSON.stringify(module)})${member};`;
}
