/**
 * Schedules that enqueue work (polls, reconciles, webhook checks), firing once per slot even when many
 * processes run the same schedules: each process sets a timer for the next slot, and when it fires,
 * tries `insert into schedule_runs(name, slot)`. The primary key lets exactly one insert succeed; only
 * that process calls `run`. The others see a conflict and do nothing.
 *
 * `run` should enqueue jobs, not do the work: the queue gives the work its retries and durability.
 * A process that is down during a slot does not catch up later (the next slot will run); a `run` that
 * throws is logged and its slot is not retried — the next slot will run.
 */
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { StoreHandle } from '../../store/database.js';
import { type NextSlot, type ScheduleTiming, slotCalculator } from './schedule-slots.js';

export interface ScheduleDefinition extends ScheduleTiming {
  /** Called once per slot across all processes, with the slot time (epoch ms). */
  run(slot: number): Promise<void>;
}

export interface SchedulerOptions {
  store: StoreHandle;
  logger: Logger;
  schedules?: ScheduleDefinition[];
  /** Identifies this process in `schedule_runs.fired_by`. */
  instanceId?: string;
  /** Called after this process fired a slot (metrics). */
  onFired?(name: string, slot: number): void;
  /** Keep `schedule_runs` rows this long. Default 7 days. */
  retentionMs?: number;
  now?(): number;
}

export interface Scheduler {
  add(schedule: ScheduleDefinition): void;
  /** Start timers for every schedule (idempotent). */
  start(): void;
  /** Stop timers and wait for runs in progress. */
  stop(): Promise<void>;
  /** Claim and run one slot now; true when this call fired it. Used by timers and tests. */
  fire(name: string, slot: number): Promise<boolean>;
  nextSlot(name: string, after?: number): number | undefined;
  readonly names: string[];
}

const MAX_TIMER_MS = 2 ** 31 - 1;

export function createScheduler(options: SchedulerOptions): Scheduler {
  const { store, logger } = options;
  const now = options.now ?? Date.now;
  const instanceId = options.instanceId ?? `${hostname()}:${process.pid}`;
  const retentionMs = options.retentionMs ?? 7 * 86_400_000;
  const log = logger.child({ component: 'scheduler' });
  const schedules = new Map<string, { def: ScheduleDefinition; next: NextSlot; timer?: NodeJS.Timeout }>();
  const inFlight = new Set<Promise<unknown>>();
  let running = false;
  let fires = 0;

  function arm(name: string, after: number): void {
    const entry = schedules.get(name);
    if (!entry || !running) return;
    const slot = entry.next(after);
    if (slot === undefined) return; // a cron with no future run
    const delay = Math.max(0, slot - now());
    entry.timer = setTimeout(
      () => {
        if (delay >= MAX_TIMER_MS) return arm(name, after); // far future: re-arm, don't fire early
        const p = fire(name, slot).finally(() => inFlight.delete(p));
        inFlight.add(p);
        arm(name, Math.max(slot, now()));
      },
      Math.min(delay, MAX_TIMER_MS),
    );
    entry.timer.unref();
  }

  async function fire(name: string, slot: number): Promise<boolean> {
    const entry = schedules.get(name);
    if (!entry) throw new Error(`unknown schedule "${name}"`);
    try {
      const result = await store.db
        .insertInto('schedule_runs')
        .values({ name, slot, fired_at: now(), fired_by: instanceId })
        .onConflict((oc) => oc.columns(['name', 'slot']).doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0) !== 1) return false;
    } catch (err) {
      log.error({ err, schedule: name, slot }, 'schedule slot could not be claimed');
      return false;
    }
    options.onFired?.(name, slot);
    try {
      await entry.def.run(slot);
    } catch (err) {
      log.error({ err, schedule: name, slot: new Date(slot).toISOString() }, 'scheduled run failed');
    }
    if (++fires % 100 === 0) await prune();
    return true;
  }

  async function prune(): Promise<void> {
    await store.db
      .deleteFrom('schedule_runs')
      .where('fired_at', '<', now() - retentionMs)
      .execute()
      .catch((err: unknown) => log.warn({ err }, 'schedule_runs prune failed'));
  }

  const scheduler: Scheduler = {
    add(def) {
      if (schedules.has(def.name)) throw new Error(`schedule "${def.name}" already added`);
      schedules.set(def.name, { def, next: slotCalculator(def) });
      if (running) arm(def.name, now());
    },
    start() {
      if (running) return;
      running = true;
      for (const name of schedules.keys()) arm(name, now());
      const p = prune().finally(() => inFlight.delete(p));
      inFlight.add(p);
    },
    async stop() {
      running = false;
      for (const entry of schedules.values()) clearTimeout(entry.timer);
      await Promise.allSettled([...inFlight]);
    },
    fire,
    nextSlot(name, after = now()) {
      return schedules.get(name)?.next(after);
    },
    get names() {
      return [...schedules.keys()];
    },
  };
  for (const def of options.schedules ?? []) scheduler.add(def);
  return scheduler;
}
