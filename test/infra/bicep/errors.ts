// One error type for everything the evaluator rejects, so tests can match on the location as well as the message.

/** Where a node starts: 1-based line and column, like an editor shows them. */
export interface Loc {
  file: string;
  line: number;
  column: number;
}

export class BicepError extends Error {
  override readonly name = 'BicepError';

  constructor(
    readonly detail: string,
    readonly loc?: Loc,
    options?: { cause?: unknown },
  ) {
    super(loc ? `${detail} (${formatLoc(loc)})` : detail, options);
  }
}

export function formatLoc(loc: Loc): string {
  return `${loc.file}:${loc.line}:${loc.column}`;
}

/** Runs `fn` and attaches `loc` to errors that do not carry a location yet, so messages point at the Bicep source. */
export function at<T>(loc: Loc, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof BicepError && !error.loc) throw new BicepError(error.detail, loc, { cause: error.cause });
    throw error;
  }
}
