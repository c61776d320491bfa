/**
 * The command line's exit codes, one meaning each, and the words `--help` and
 * docs/cli.md give them.
 */

/** Every exit code `partnercenter-budgets` ends with. */
export const EXIT = {
  /** diff: every budget was read and none drifted; export: the file was written (or was already up to date). */
  ok: 0,
  /** diff: every budget was read and at least one differs from the file. */
  drift: 1,
  /** Partner Center or the credential failed, or some budget could not be read: the work did not finish. */
  couldNotCheck: 2,
  /** The command line, a setting or a file cannot be used: nothing was sent to Partner Center, nothing was written. */
  badInput: 3,
} as const;

/** One of {@link EXIT}'s codes. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit codes as `--help` lists them. */
export const EXIT_CODES_HELP = `Exit codes:
  0  diff: no drift, every budget read; export: the work is done; report: spend was read
  1  diff: drift, every budget read; report --fail-over P: some customer used more than P% of its budget
  2  could not check: Partner Center, the network or the credential failed, or some budget could not be read
     (a refused credential stops at once); nothing is written
  3  bad usage, setting or file: nothing was requested, nothing is written`;
