/**
 * `POST /webhooks/heartland/:connection/:secret` — Heartland deliveries enter here.
 *
 * Heartland signs nothing and sends the bare record (NOTES §15), so the secret lives in the URL and is
 * compared in constant time; a wrong secret → 401 and nothing stored. The record's kind is inferred from
 * its shape (item / customer / transaction); dedupe is on (kind, id, updated_at). Records no flow handles
 * are acknowledged and counted as ignored, so Heartland never sees errors for them.
 */
import type { FastifyInstance } from 'fastify';
import { parseHeartlandDelivery, verifyHeartlandUrlSecret } from '../../connectors/heartland/webhooks.js';
import type { Inbox } from '../../engine/inbox.js';
import type { JsonObject } from '../../engine/queue/queue-backend.js';
import { HttpError } from '../http-errors.js';
import type { WebhookConnection, WebhookTaskRouter } from './webhook-deps.js';

export interface HeartlandWebhookRouteOptions {
  inbox: Inbox;
  connection(id: string): WebhookConnection | undefined;
  route: WebhookTaskRouter;
}

export function registerHeartlandWebhookRoute(
  app: FastifyInstance,
  options: HeartlandWebhookRouteOptions,
): void {
  app.post<{ Params: { connection: string; secret: string } }>(
    '/webhooks/heartland/:connection/:secret',
    async (request, reply) => {
      const conn = options.connection(request.params.connection);
      // Same answer for an unknown connection and a wrong secret: the URL is the credential.
      if (!conn || !verifyHeartlandUrlSecret(request.params.secret, conn.webhookSecret)) {
        throw new HttpError(
          'HB_ERR_HTTP_UNAUTHORIZED',
          'webhook rejected: unknown connection or wrong secret',
        );
      }
      const raw = request.rawBody ?? Buffer.from(JSON.stringify(request.body ?? null));
      const parsed = parseHeartlandDelivery(raw);
      if (!parsed.ok) throw new HttpError('HB_ERR_HTTP_VALIDATION', `malformed webhook: ${parsed.detail}`);

      const job = options.route(conn.id, parsed.topic, parsed.entityKey);
      if (!job) {
        app.metrics.eventsIgnored.inc({ source: 'heartland', topic: parsed.topic });
        return reply.status(200).send({ status: 'ignored', kind: parsed.kind });
      }
      const result = await options.inbox.ingest({
        connectionId: conn.id,
        source: 'heartland',
        dedupeKey: parsed.dedupeKey,
        topic: parsed.topic,
        entityKey: parsed.entityKey,
        payload: parsed.record as JsonObject,
        job,
      });
      if (result.duplicate) {
        return reply.status(200).send({ status: 'duplicate', inboxId: result.inboxId });
      }
      return reply.status(200).send({ status: 'accepted', inboxId: result.inboxId });
    },
  );
}
