/**
 * A schedule slot is the epoch-ms time a run is due: the cron time (`*\/5 * * * *` → 12:05:00.000) or,
 * for `every`, a multiple of the interval since the epoch. Slots are computed, never "now when the
 * timer fired", so every process agrees on the slot's identity and `schedule_runs(name, slot)` can
 * decide who fires it.
 */
import { Cron } from 'croner';
import { parseDurationMs } from '../../config/duration.js';
import { PermanentError } from '../errors.js';

export interface ScheduleTiming {
  name: string;
  /** Cron expression (5 or 6 fields), evaluated in `timezone` (default UTC). */
  cron?: string;
  /** Fixed interval, e.g. `5m`; slots are aligned to the epoch so all processes agree. */
  every?: string;
  timezone?: string;
}

export type NextSlot = (after: number) => number | undefined;

export function slotCalculator(timing: ScheduleTiming): NextSlot {
  const invalid = (reason: string) =>
    new PermanentError({ code: 'HB_ERR_SCHEDULE_INVALID', message: `schedule "${timing.name}": ${reason}` });
  if ((timing.cron ? 1 : 0) + (timing.every ? 1 : 0) !== 1)
    throw invalid('give exactly one of cron or every');
  if (timing.every) {
    let interval: number;
    try {
      interval = parseDurationMs(timing.every);
    } catch (err) {
      throw invalid((err as Error).message);
    }
    if (interval < 1) throw invalid('interval must be at least 1ms');
    return (after) => Math.floor(after / interval) * interval + interval;
  }
  let cron: Cron;
  try {
    // Without a callback and paused, croner only computes times: we own the timers.
    cron = new Cron(timing.cron as string, { paused: true, timezone: timing.timezone ?? 'Etc/UTC' });
  } catch (err) {
    throw invalid(`invalid cron expression "${timing.cron}": ${(err as Error).message}`);
  }
  return (after) => cron.nextRun(new Date(after))?.getTime();
}
