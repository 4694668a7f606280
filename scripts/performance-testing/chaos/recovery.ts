import type { TimelinePoint } from '../local-runner/run-load.js';

export interface FaultWindowStats {
  /** Errors clients saw from the injection to the end of the run. */
  readonly errorsDuringAndAfter: number;
  /** Requests in the same span. */
  readonly requestsDuringAndAfter: number;
  /**
   * Seconds from the heal until clients stopped seeing errors for good (0: no error after the
   * heal, or none at all); undefined when errors went on to the end of the run.
   */
  readonly recoverySeconds: number | undefined;
}

/**
 * Reads a per-second timeline of one load run with a fault applied at `injectSecond` and
 * removed at `healSecond`. The last second is partial and still counts.
 */
export function faultWindowStats(
  timeline: readonly TimelinePoint[],
  injectSecond: number,
  healSecond: number,
): FaultWindowStats {
  const after = timeline.filter((p) => p.second >= injectSecond);
  const errorsDuringAndAfter = after.reduce((s, p) => s + p.errors, 0);
  const requestsDuringAndAfter = after.reduce((s, p) => s + p.errors + p.ok, 0);
  const lastError = [...timeline].reverse().find((p) => p.errors > 0);
  let recoverySeconds: number | undefined;
  if (!lastError || lastError.second < healSecond) recoverySeconds = 0;
  else if (lastError.second >= timeline.length - 1) recoverySeconds = undefined;
  else recoverySeconds = lastError.second + 1 - healSecond;
  return { errorsDuringAndAfter, requestsDuringAndAfter, recoverySeconds };
}
