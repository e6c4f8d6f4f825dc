/**
 * When a read of a live container's change feed is done. The feed answers 304 Not Modified only when no range has a
 * change since the last read, which a container written to without pause may never give. So a read is also done once
 * every feed range has handed over a page made only of changes from after the read began: within a range the feed is
 * in modification order, so nothing older is left there, and the live pipeline delivers those newer changes itself.
 *
 * The pull-model iterator serves ranges in turn, moving to the next after each page, so `ranges` such pages in a row
 * have covered every range. "After the read began" is judged on the service's clock: the first response's `Date`
 * header against the documents' `_ts`, with a margin for clock differences between the service's machines.
 */
export const CLOCK_MARGIN_SECONDS = 60;

export class CatchUp {
  private startSeconds: number | undefined;
  private freshPages = 0;

  constructor(
    private readonly ranges: number,
    private readonly marginSeconds = CLOCK_MARGIN_SECONDS,
  ) {}

  /** The service time of a response (ms since the epoch); the first one seen is the read's start. */
  observe(serviceTimeMs: number | undefined): void {
    if (this.startSeconds === undefined && serviceTimeMs !== undefined) this.startSeconds = serviceTimeMs / 1000;
  }

  /** True once this page completes a run of `ranges` pages holding only changes made after the start. */
  onlyNewChanges(items: readonly unknown[]): boolean {
    const start = this.startSeconds;
    const fresh =
      start !== undefined &&
      items.length > 0 &&
      items.every((item) => {
        const ts = (item as { _ts?: unknown } | null)?._ts;
        return typeof ts === 'number' && ts > start + this.marginSeconds;
      });
    this.freshPages = fresh ? this.freshPages + 1 : 0;
    return this.freshPages >= Math.max(1, this.ranges);
  }
}
