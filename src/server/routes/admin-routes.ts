/**
 * The admin API (JSON, for the dashboard and for scripts). Every route sits behind `adminAuth`, checked
 * at `onRequest` so an unauthenticated caller learns nothing — not even whether its body parses.
 * Every action (replay, discard, resolve) is audited by the engine with actor `api`.
 *
 *   GET  /admin/summary                  jobs by state, open dead letters / quarantine / review, oldest
 *                                        pending age, last events
 *   GET  /admin/jobs  ·  /admin/jobs/:id
 *   GET  /admin/dead-letters             filters kind, task, code, connection, status, since, until
 *   POST /admin/dead-letters/:id/replay  ·  /admin/dead-letters/:id/discard
 *   POST /admin/dead-letters/replay      bulk by filter, requires "confirm": true
 *   GET  /admin/review  ·  POST /admin/review/:id/resolve
 *   GET  /admin/audit
 */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { AppModule } from '../../app/app-module.js';
import type { Engine } from '../../engine/engine.js';
import { registerDashboard } from '../dashboard/dashboard-routes.js';
import { HttpError } from '../http-errors.js';
import { registerDeadLetterRoutes } from './admin-dead-letters.js';
import { registerReviewRoutes } from './admin-review.js';
import { auditQuery, jobIdParams, jobsQuery } from './admin-schemas.js';

/** Who the audit log names for actions taken through this API. */
export const API_ACTOR = 'api';

export interface AdminRoutesOptions {
  engine: Engine;
  now?: () => number;
}

async function openCounts(engine: Engine) {
  const db = engine.store.db;
  const dead = await db
    .selectFrom('dead_letters')
    .select(['kind', sql<number>`count(*)`.as('n')])
    .where('status', '=', 'open')
    .groupBy('kind')
    .execute();
  const review = await db
    .selectFrom('review_items')
    .select(sql<number>`count(*)`.as('n'))
    .where('status', '=', 'open')
    .executeTakeFirst();
  const byKind = (k: string) => Number(dead.find((r) => r.kind === k)?.n ?? 0);
  return { deadLetters: byKind('dead'), quarantine: byKind('quarantine'), review: Number(review?.n ?? 0) };
}

export function registerAdminRoutes(server: FastifyInstance, options: AdminRoutesOptions): void {
  const { engine } = options;
  const now = options.now ?? Date.now;

  server.register(async (admin) => {
    admin.addHook('onRequest', admin.adminAuth);
    // An answered action is on disk: on SQLite discards and review decisions commit without an fsync
    // (src/store/database.ts), so the answer waits for one (off the event loop).
    admin.addHook('onSend', async (request, reply, payload) => {
      if (request.method !== 'GET' && request.method !== 'HEAD' && reply.statusCode < 400) {
        await engine.durable();
      }
      return payload;
    });

    admin.get('/admin/summary', async () => {
      const [jobs, oldestPendingAgeMs, open, events] = await Promise.all([
        engine.queue.countsByState(),
        engine.queue.oldestPendingAgeMs(now()),
        openCounts(engine),
        engine.store.db
          .selectFrom('inbox')
          .select(['id', 'connection_id', 'source', 'topic', 'entity_key', 'received_at'])
          .orderBy('id', 'desc')
          .limit(10)
          .execute(),
      ]);
      return {
        jobs,
        open,
        oldestPendingAgeMs,
        lastEvents: events.map((e) => ({
          id: Number(e.id),
          connectionId: e.connection_id,
          source: e.source,
          topic: e.topic,
          entityKey: e.entity_key,
          receivedAt: Number(e.received_at),
        })),
        at: now(),
      };
    });

    admin.get('/admin/jobs', async (request) => {
      const q = jobsQuery.parse(request.query);
      const jobs = await engine.queue.listJobs({
        state: q.state,
        task: q.task,
        connectionId: q.connection,
        entityKey: q.entityKey,
        limit: q.limit,
      });
      return { jobs };
    });

    admin.get('/admin/jobs/:id', async (request) => {
      const { id } = jobIdParams.parse(request.params);
      const job = await engine.queue.getJob(id);
      if (!job) throw new HttpError('HB_ERR_HTTP_NOT_FOUND', `no job ${id}`);
      return { job };
    });

    admin.get('/admin/audit', async (request) => {
      const q = auditQuery.parse(request.query);
      const entries = await engine.audit.list({
        action: q.action,
        actor: q.actor,
        target: q.target,
        connectionId: q.connection,
        since: q.since,
        until: q.until,
        limit: q.limit,
      });
      return { entries };
    });

    registerDeadLetterRoutes(admin, engine, API_ACTOR);
    registerReviewRoutes(admin, engine, API_ACTOR);
  });
}

/** The admin API and the dashboard, as one app module (registered in src/app/app-modules.ts). */
export const adminModule: AppModule = {
  name: 'admin',
  routes(server, parts) {
    registerAdminRoutes(server, { engine: parts.engine });
    registerDashboard(server);
  },
};
