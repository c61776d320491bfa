#!/usr/bin/env node
/**
 * `partnercenter-budgets`: onboard existing budgets (`export`) and check a
 * budgets file against Partner Center without a stack (`diff`). Settings and
 * credentials come from the environment; messages say so (runContext).
 */
import { runAsCli } from "../shared/runContext";
import { exitWhenDone } from "./exitWhenDone";
import { EXIT } from "./exitCodes";
import { err } from "./output";
import { runCli } from "./program";

runAsCli();
exitWhenDone(runCli(process.argv.slice(2)), (error) => {
  err(`partnercenter-budgets: ${(error as Error).message}\n`);
  return EXIT.couldNotCheck;
});
