/**
 * Where features plug into the app: each flow / route module exports an `AppModule` and adds ONE line to
 * `appModules` below. `serve` (and tests that want the full app) pass these to createApp; createApp itself
 * takes plain parameters so tests can build an app with only what they need.
 */
import type { FastifyInstance } from 'fastify';
import type { TaskHandler } from '../engine/queue/queue-backend.js';
import { adminModule } from '../server/routes/admin-routes.js';
import type { AppModule } from './app-module.js';
import type { AppParts } from './create-app.js';
import { syncModule } from './sync-module.js';

export type { AppModule };

/** Registered modules (one line each). */
export const appModules: AppModule[] = [syncModule, adminModule];

/** Merges modules into createApp's `handlers`, `schedules` and `routes` parameters. */
export function composeModules(modules: AppModule[]) {
  return {
    handlers(parts: AppParts): Record<string, TaskHandler> {
      const all: Record<string, TaskHandler> = {};
      for (const m of modules) {
        for (const [task, handler] of Object.entries(m.handlers?.(parts) ?? {})) {
          if (all[task]) throw new Error(`task "${task}" is registered twice (module ${m.name})`);
          all[task] = handler;
        }
      }
      return all;
    },
    schedules: (parts: AppParts) => modules.flatMap((m) => m.schedules?.(parts) ?? []),
    async routes(server: FastifyInstance, parts: AppParts) {
      for (const m of modules) await m.routes?.(server, parts);
    },
  };
}
