export { type NextSlot, type ScheduleTiming, slotCalculator } from './schedule-slots.js';
export {
  createScheduler,
  type ScheduleDefinition,
  type Scheduler,
  type SchedulerOptions,
} from './scheduler.js';
