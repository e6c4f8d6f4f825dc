/**
 * Exit codes of the operations commands (deadletters, backfill, verify), printed by their --help. Scripts branch on
 * them, so they are part of the documented contract.
 */
export const OPS_EXIT = {
  /** Done; nothing left to do. */
  ok: 0,
  /** Done, with findings: verify found differences it did not repair, or some items were left as they were. */
  findings: 1,
  /** A service failed (unreachable, refused, throttled past retries); the message names the next step. */
  failed: 2,
  /** Bad arguments, an unknown target or source, or app settings that do not parse. */
  usage: 64,
  /** Stopped by Ctrl-C (SIGINT) or SIGTERM after saving progress: run the same command again to resume. */
  interrupted: 130,
} as const;

export const OPS_EXIT_HELP =
  '\nExit codes: 0 done, 1 done with findings (differences found, items left), 2 a service failed, ' +
  '64 bad arguments or settings, 130 interrupted (progress saved: run the same command again to resume).';
