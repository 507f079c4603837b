/**
 * What a feature plugs into the app with (its own file so that modules and the registry in
 * app-modules.ts do not import each other).
 */
import type { FastifyInstance } from 'fastify';
import type { TaskHandler } from '../engine/queue/queue-backend.js';
import type { ScheduleDefinition } from '../engine/scheduler/index.js';
import type { AppParts } from './create-app.js';

export interface AppModule {
  name: string;
  /** Task handlers by task name (e.g. `orders.sync`). Names must not collide across modules. */
  handlers?(parts: AppParts): Record<string, TaskHandler>;
  schedules?(parts: AppParts): ScheduleDefinition[];
  routes?(server: FastifyInstance, parts: AppParts): void | Promise<void>;
}
