/**
 * The review queue: decisions a person must make (orders flow step 3 — an order whose customer matches
 * two or more Heartland customers). Rows live in `review_items`; `heartbridge review list|resolve`
 * reads and resolves them, and the orders flow honours a resolution on its next run.
 */
import type { Kysely } from 'kysely';
import type { Database, ReviewItemRow } from '../../store/schema.js';

export const CUSTOMER_MATCH_KIND = 'order.customer_match';
/** An order held by the risk screen (src/mapping/order-risk.ts) until a person approves or rejects it. */
export const ORDER_RISK_KIND = 'order.risk';

/**
 * A person's decision. Customer matches take `use` (that Heartland customer) or `create`; anomalies
 * (a held order, a held price) take `approve` or `reject`.
 */
export type ReviewResolution = { use: number } | { create: true } | { approve: true } | { reject: true };

export interface ReviewItem {
  id: number;
  connectionId: string;
  kind: string;
  entityKey: string;
  reason: string;
  candidates: unknown;
  status: 'open' | 'resolved' | 'dismissed';
  resolution: ReviewResolution | null;
  createdAt: number;
  resolvedAt: number | null;
}

function toItem(r: ReviewItemRow): ReviewItem {
  return {
    id: Number(r.id),
    connectionId: r.connection_id,
    kind: r.kind,
    entityKey: r.entity_key,
    reason: r.reason,
    candidates: JSON.parse(r.candidates_json) as unknown,
    status: r.status,
    resolution: r.resolution_json ? (JSON.parse(r.resolution_json) as ReviewResolution) : null,
    createdAt: Number(r.created_at),
    resolvedAt: r.resolved_at === null ? null : Number(r.resolved_at),
  };
}

export function createReviewItems(db: Kysely<Database>, now: () => number = Date.now) {
  return {
    /** Opens an item unless one is already open for this entity and kind (returns that one). */
    async open(input: {
      connectionId: string;
      kind: string;
      entityKey: string;
      reason: string;
      candidates: unknown;
    }): Promise<ReviewItem> {
      const existing = await db
        .selectFrom('review_items')
        .selectAll()
        .where('connection_id', '=', input.connectionId)
        .where('kind', '=', input.kind)
        .where('entity_key', '=', input.entityKey)
        .where('status', '=', 'open')
        .executeTakeFirst();
      if (existing) return toItem(existing);
      const row = await db
        .insertInto('review_items')
        .values({
          connection_id: input.connectionId,
          kind: input.kind,
          entity_key: input.entityKey,
          reason: input.reason,
          candidates_json: JSON.stringify(input.candidates),
          status: 'open',
          resolution_json: null,
          created_at: now(),
          resolved_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toItem(row);
    },
    /** The latest resolution for this entity and kind, if a person gave one. */
    async resolutionFor(connectionId: string, kind: string, entityKey: string): Promise<ReviewItem | null> {
      const row = await db
        .selectFrom('review_items')
        .selectAll()
        .where('connection_id', '=', connectionId)
        .where('kind', '=', kind)
        .where('entity_key', '=', entityKey)
        .where('status', '=', 'resolved')
        .orderBy('id', 'desc')
        .executeTakeFirst();
      return row ? toItem(row) : null;
    },
    async get(id: number): Promise<ReviewItem | null> {
      const row = await db.selectFrom('review_items').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toItem(row) : null;
    },
    async list(filter: { connectionId?: string; status?: ReviewItem['status']; limit?: number } = {}) {
      let q = db
        .selectFrom('review_items')
        .selectAll()
        .orderBy('id', 'desc')
        .limit(filter.limit ?? 500);
      if (filter.connectionId) q = q.where('connection_id', '=', filter.connectionId);
      if (filter.status) q = q.where('status', '=', filter.status);
      return (await q.execute()).map(toItem);
    },
    async resolve(id: number, resolution: ReviewResolution): Promise<ReviewItem | null> {
      await db
        .updateTable('review_items')
        .set({ status: 'resolved', resolution_json: JSON.stringify(resolution), resolved_at: now() })
        .where('id', '=', id)
        .where('status', '=', 'open')
        .execute();
      return this.get(id);
    },
  };
}

export type ReviewItems = ReturnType<typeof createReviewItems>;
