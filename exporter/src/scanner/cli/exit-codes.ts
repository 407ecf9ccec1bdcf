// Exit statuses of `vigil scan` and `vigil db` (documented in docs/scanner.md). CI jobs act on them, so they are
// few and fixed: a gate tripped (1) is not an error (2), and an incomplete scan (3) is never mistaken for a clean one.
export const EXIT_OK = 0;
/** --fail-on / --fail-on-policy: an unsuppressed finding or a violated policy reached the threshold */
export const EXIT_GATE = 1;
/** Usage or input error: bad flags, unreadable files, no database, an image that cannot be read */
export const EXIT_ERROR = 2;
/** The scan finished but did not check everything (OS unknown, a cataloger failed, no data for an ecosystem) */
export const EXIT_INCOMPLETE = 3;

export type ExitCode = typeof EXIT_OK | typeof EXIT_GATE | typeof EXIT_ERROR | typeof EXIT_INCOMPLETE;

/** A failure the user can act on, reported as one line. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(message: string, readonly exitCode: ExitCode = EXIT_ERROR) {
    super(message);
  }
}
