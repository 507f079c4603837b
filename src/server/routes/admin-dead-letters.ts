/**
 * Dead letters and quarantine over HTTP: list with filters, replay or discard one, replay in bulk by
 * filter (only with `"confirm": true` — a bulk action never happens by accident). The engine audits each
 * action in the same transaction that performs it.
 */
import type { FastifyInstance } from 'fastify';
import type { DlqFilter } from '../../engine/dlq.js';
import type { Engine } from '../../engine/engine.js';
import { HttpError } from '../http-errors.js';
import { bulkReplayBody, deadLettersQuery, discardBody, idParams } from './admin-schemas.js';

function toFilter(q: {
  kind?: 'dead' | 'quarantine';
  task?: string;
  code?: string;
  connection?: string;
  since?: number;
  until?: number;
}): DlqFilter {
  return {
    kind: q.kind,
    task: q.task,
    errorCode: q.code,
    connectionId: q.connection,
    since: q.since,
    until: q.until,
  };
}

/** 404 when the entry does not exist, 409 when it is no longer open (already replayed / discarded). */
async function requireOpen(engine: Engine, id: number): Promise<void> {
  const entry = await engine.dlq.get(id);
  if (!entry) throw new HttpError('HB_ERR_HTTP_NOT_FOUND', `no dead letter ${id}`);
  if (entry.status !== 'open')
    throw new HttpError('HB_ERR_HTTP_CONFLICT', `dead letter ${id} is already ${entry.status}`);
}

export function registerDeadLetterRoutes(admin: FastifyInstance, engine: Engine, actor: string): void {
  admin.get('/admin/dead-letters', async (request) => {
    const q = deadLettersQuery.parse(request.query);
    const deadLetters = await engine.dlq.list({ ...toFilter(q), status: q.status, limit: q.limit });
    return { deadLetters };
  });

  admin.get('/admin/dead-letters/:id', async (request) => {
    const { id } = idParams.parse(request.params);
    const deadLetter = await engine.dlq.get(id);
    if (!deadLetter) throw new HttpError('HB_ERR_HTTP_NOT_FOUND', `no dead letter ${id}`);
    return { deadLetter };
  });

  admin.post('/admin/dead-letters/replay', async (request) => {
    const body = bulkReplayBody.parse(request.body);
    const result = await engine.dlq.replay({ ...toFilter(body), status: 'open', limit: 100_000 }, actor);
    return result;
  });

  admin.post('/admin/dead-letters/:id/replay', async (request) => {
    const { id } = idParams.parse(request.params);
    await requireOpen(engine, id);
    const result = await engine.dlq.replay(id, actor);
    // Raced with another replay between the check and the transaction.
    if (result.replayed.length === 0)
      throw new HttpError('HB_ERR_HTTP_CONFLICT', `dead letter ${id} is no longer open`);
    return result;
  });

  admin.post('/admin/dead-letters/:id/discard', async (request) => {
    const { id } = idParams.parse(request.params);
    const body = discardBody.parse(request.body);
    await requireOpen(engine, id);
    const result = await engine.dlq.discard(id, actor, body?.reason);
    if (result.discarded.length === 0)
      throw new HttpError('HB_ERR_HTTP_CONFLICT', `dead letter ${id} is no longer open`);
    return result;
  });
}
