/**
 * Links: one row per entity that exists on both sides (connection, kind, BigCommerce id, Heartland id),
 * with the hash of the state we last wrote and the upstream version we last processed.
 *
 * - Idempotent writes: a replayed job finds the link and updates instead of creating.
 * - Echo suppression: the webhook our own write causes carries a state whose hash we already hold.
 * - Stale-event guard: `lastSeenVersion` (`date_modified` / `updated_at`) of the last version processed.
 * Dialect-neutral Kysely; callers run one entity at a time (per-entity queue), so upsert races are rare
 * and resolved by the unique constraints (retry as update).
 */
import type { Kysely } from 'kysely';
import type { Database, LinkRow } from '../schema.js';

export interface Link {
  id: number;
  connectionId: string;
  kind: string;
  bcId: string | null;
  hlId: string | null;
  lastHash: string | null;
  lastSeenVersion: string | null;
  data: Record<string, unknown> | null;
  createdAt: number;
  updatedAt: number;
}

export interface LinkUpsert {
  connectionId: string;
  kind: string;
  /** At least one of bcId / hlId; the link is found by bcId first, then hlId. */
  bcId?: string | null;
  hlId?: string | null;
  lastHash?: string | null;
  lastSeenVersion?: string | null;
  data?: Record<string, unknown> | null;
}

export interface LinksRepository {
  findByBcId(connectionId: string, kind: string, bcId: string): Promise<Link | null>;
  findByHlId(connectionId: string, kind: string, hlId: string): Promise<Link | null>;
  /** The links of these BigCommerce ids (absent ids are left out): a few queries by the unique key. */
  findManyByBcIds(connectionId: string, kind: string, bcIds: readonly string[]): Promise<Link[]>;
  listByKind(connectionId: string, kind: string, limit?: number): Promise<Link[]>;
  /** Creates or updates; fields left undefined keep their stored value. */
  upsert(link: LinkUpsert): Promise<Link>;
  /** True when the state hashing to `hash` is the one we last wrote for this BigCommerce entity. */
  isEcho(connectionId: string, kind: string, bcId: string, hash: string): Promise<boolean>;
}

export function createLinksRepository(db: Kysely<Database>, now: () => number = Date.now): LinksRepository {
  const find = async (connectionId: string, kind: string, col: 'bc_id' | 'hl_id', value: string) => {
    const row = await db
      .selectFrom('links')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('kind', '=', kind)
      .where(col, '=', value)
      .executeTakeFirst();
    return row ? toLink(row) : null;
  };

  const repo: LinksRepository = {
    findByBcId: (c, k, id) => find(c, k, 'bc_id', id),
    findByHlId: (c, k, id) => find(c, k, 'hl_id', id),
    async findManyByBcIds(connectionId, kind, bcIds) {
      const out: Link[] = [];
      // Chunked: well under SQLite's and PostgreSQL's bound-parameter limits.
      for (let i = 0; i < bcIds.length; i += 500) {
        const rows = await db
          .selectFrom('links')
          .selectAll()
          .where('connection_id', '=', connectionId)
          .where('kind', '=', kind)
          .where('bc_id', 'in', bcIds.slice(i, i + 500))
          .execute();
        out.push(...rows.map(toLink));
      }
      return out;
    },
    async listByKind(connectionId, kind, limit = 1_000) {
      const rows = await db
        .selectFrom('links')
        .selectAll()
        .where('connection_id', '=', connectionId)
        .where('kind', '=', kind)
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(toLink);
    },
    async upsert(link) {
      if (!link.bcId && !link.hlId) throw new Error('a link needs a bcId or an hlId');
      for (let attempt = 0; ; attempt++) {
        const existing =
          (link.bcId ? await find(link.connectionId, link.kind, 'bc_id', link.bcId) : null) ??
          (link.hlId ? await find(link.connectionId, link.kind, 'hl_id', link.hlId) : null);
        const t = now();
        const fields = {
          ...(link.bcId !== undefined ? { bc_id: link.bcId } : {}),
          ...(link.hlId !== undefined ? { hl_id: link.hlId } : {}),
          ...(link.lastHash !== undefined ? { last_hash: link.lastHash } : {}),
          ...(link.lastSeenVersion !== undefined ? { last_seen_version: link.lastSeenVersion } : {}),
          ...(link.data !== undefined
            ? { data_json: link.data === null ? null : JSON.stringify(link.data) }
            : {}),
        };
        try {
          if (existing) {
            await db
              .updateTable('links')
              .set({ ...fields, updated_at: t })
              .where('id', '=', existing.id)
              .execute();
            const row = await db
              .selectFrom('links')
              .selectAll()
              .where('id', '=', existing.id)
              .executeTakeFirstOrThrow();
            return toLink(row);
          }
          const row = await db
            .insertInto('links')
            .values({
              connection_id: link.connectionId,
              kind: link.kind,
              ...fields,
              created_at: t,
              updated_at: t,
            })
            .returningAll()
            .executeTakeFirstOrThrow();
          return toLink(row);
        } catch (err) {
          // Another worker created it between our find and insert: go round once more as an update.
          if (attempt >= 1) throw err;
        }
      }
    },
    async isEcho(connectionId, kind, bcId, hash) {
      const link = await find(connectionId, kind, 'bc_id', bcId);
      return link !== null && link.lastHash === hash;
    },
  };
  return repo;
}

function toLink(row: LinkRow): Link {
  return {
    id: Number(row.id),
    connectionId: row.connection_id,
    kind: row.kind,
    bcId: row.bc_id,
    hlId: row.hl_id,
    lastHash: row.last_hash,
    lastSeenVersion: row.last_seen_version,
    data: row.data_json ? (JSON.parse(row.data_json) as Record<string, unknown>) : null,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
