/**
 * A Pulumi project as the CLI reads it: `Pulumi.yaml`'s name, runtime and
 * `main`, and the working directory and entry point derived from them
 * (ENGINE.md, rule "working directory").
 */
import { readFileSync, statSync } from "node:fs";
import { dirname, basename, isAbsolute, join, resolve, sep } from "node:path";
import { parse } from "yaml";

/** A project directory, resolved as `pulumi` resolves it. */
export interface Project {
  /** The directory holding Pulumi.yaml (the engine's `root`). */
  root: string;
  /** `name` from Pulumi.yaml. */
  name: string;
  /** Runtime options (`runtime.options`), passed to the provider as `PULUMI_RUNTIME_<KEY>`. */
  runtimeOptions: Record<string, unknown>;
  /** Where the program and the provider host run (pkg/engine/project.go `getPwdMain`). */
  pwd: string;
  /** The entry point handed to the language host, relative to `pwd` ("." for a directory). */
  main: string;
}

/**
 * Reads `<root>/Pulumi.yaml` and derives the working directory and entry point
 * exactly as pkg/engine/project.go `getPwdMain` does: `main` must be relative
 * and inside the project; a directory becomes the working directory with entry
 * point "."; a file runs from its own directory.
 */
export function loadProject(root: string): Project {
  const absoluteRoot = resolve(root);
  const document = parse(readFileSync(join(absoluteRoot, "Pulumi.yaml"), "utf8")) as {
    name?: unknown;
    runtime?: unknown;
    main?: unknown;
  };
  if (typeof document.name !== "string" || document.name === "") throw new Error(`${absoluteRoot}/Pulumi.yaml: no project name`);
  const runtime = typeof document.runtime === "string" ? { name: document.runtime } : (document.runtime as { name?: unknown; options?: Record<string, unknown> } | undefined);
  if (runtime?.name !== "nodejs") throw new Error(`${absoluteRoot}/Pulumi.yaml: the model runs nodejs projects only`);
  const { pwd, main } = pwdMain(absoluteRoot, typeof document.main === "string" ? document.main : "");
  return { root: absoluteRoot, name: document.name, runtimeOptions: runtime.options ?? {}, pwd, main };
}

/** pkg/engine/project.go `getPwdMain`. */
export function pwdMain(root: string, main: string): { pwd: string; main: string } {
  if (main === "") return { pwd: root, main: "." };
  if (isAbsolute(main)) throw new Error("project 'main' must be a relative path");
  const target = resolve(root, main);
  if (!(target + sep).startsWith(root + sep) && target !== root) throw new Error("project 'main' must be a subfolder");
  return statSync(target).isDirectory() ? { pwd: target, main: "." } : { pwd: dirname(target), main: basename(target) };
}
