/**
 * Errors of the analysis CLI, each with the exit code the CLI returns for it.
 *
 * 0 ok, 1 runtime or backend error, 2 usage error, 3 no data in the requested range.
 */
export const EXIT_OK = 0 as const;
export const EXIT_RUNTIME = 1 as const;
export const EXIT_USAGE = 2 as const;
export const EXIT_NO_DATA = 3 as const;

export type ExitCode =
  typeof EXIT_OK | typeof EXIT_RUNTIME | typeof EXIT_USAGE | typeof EXIT_NO_DATA;

export class AnalysisError extends Error {
  override readonly name: string = 'AnalysisError';
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Bad flags, arguments, durations, times or metric names. */
export class UsageError extends AnalysisError {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super(message, EXIT_USAGE);
  }
}

/** A backend could not be reached or answered with an error. */
export class BackendError extends AnalysisError {
  override readonly name = 'BackendError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT_RUNTIME, options);
  }
}

/** The sources answered, but hold no data for the requested range. */
export class NoDataError extends AnalysisError {
  override readonly name = 'NoDataError';
  constructor(message: string) {
    super(message, EXIT_NO_DATA);
  }
}
