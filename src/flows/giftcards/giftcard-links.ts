/**
 * Links of kind `giftcard`: one row per card (bc_id = BigCommerce certificate id, hl_id = Heartland card
 * id) holding the card's number / code, the balance both sides last agreed on, and — while a write is in
 * flight or its outcome is unknown — the intent of that write (`pending`).
 *
 * Every change to a row is a compare-and-set on its whole `data_json` (which carries a revision), so
 * two runs that read the same row cannot both act on it: the second one's update matches no row. That
 * is what makes `pending` a claim on the card — safe even between the service's workers and a CLI
 * `sync giftcards --full` that runs outside the queue.
 */
import type { Kysely } from 'kysely';
import { stableHash } from '../../mapping/stable-hash.js';
import type { Database } from '../../store/schema.js';

export const GIFTCARD_LINK_KIND = 'giftcard';

/** A write (or create) whose outcome is not yet recorded. Money fields are decimal text ("12.34"). */
export interface PendingWrite {
  op: 'write' | 'create_hl' | 'create_bc';
  /** Run that holds the claim; another run waits until `expiresAt` (0 = released by its holder). */
  owner: string;
  expiresAt: number;
  at: number;
  /** What both sides are to show. */
  target: string;
  bcBefore?: string;
  hlBefore?: string;
  /** Adjustment sent to Heartland (null: none needed). */
  hlDelta?: string | null;
  bcWrite?: boolean;
  hlDone?: boolean;
  bcDone?: boolean;
  /** The side answered 4xx: its write is known not to have happened. */
  hlRefused?: boolean;
  bcRefused?: boolean;
  /** Highest adjustment id of the card before ours (null: none yet; absent: listing unavailable). */
  afterAdjustmentId?: number | null;
  reasonId?: number;
}

export interface ClampRecord {
  at: number;
  /** The merge result below zero, the sides and the agreed balance it came from. */
  raw: string;
  bc: string;
  hl: string;
  agreed: string;
}

export interface GiftCardLinkData {
  rev: number;
  /** Heartland number (the card's identity across both sides). */
  number: string;
  /** BigCommerce code (may differ from the number: spaces, `alphanumeric` mode). */
  code: string | null;
  /** Balance both sides last agreed on; null until both sides exist. */
  agreed: string | null;
  pending?: PendingWrite;
  lastClamp?: ClampRecord;
}

export interface GiftCardLink {
  id: number;
  bcId: number | null;
  hlId: number | null;
  data: GiftCardLinkData;
  /** The stored text, for compare-and-set. */
  raw: string;
}

interface Row {
  id: number | string | bigint;
  bc_id: string | null;
  hl_id: string | null;
  data_json: string | null;
}

function fromRow(row: Row): GiftCardLink {
  const raw = row.data_json ?? '{}';
  const d = JSON.parse(raw) as Partial<GiftCardLinkData>;
  return {
    id: Number(row.id),
    bcId: row.bc_id === null ? null : Number(row.bc_id),
    hlId: row.hl_id === null ? null : Number(row.hl_id),
    data: { rev: d.rev ?? 0, number: d.number ?? '', code: d.code ?? null, agreed: d.agreed ?? null, ...d },
    raw,
  };
}

export function createGiftCardLinks(db: Kysely<Database>, connectionId: string, now: () => number) {
  const base = () =>
    db
      .selectFrom('links')
      .select(['id', 'bc_id', 'hl_id', 'data_json'])
      .where('connection_id', '=', connectionId)
      .where('kind', '=', GIFTCARD_LINK_KIND);

  return {
    async all(): Promise<GiftCardLink[]> {
      return (await base().orderBy('id').execute()).map(fromRow);
    },
    async byId(id: number): Promise<GiftCardLink | null> {
      const row = await base().where('id', '=', id).executeTakeFirst();
      return row ? fromRow(row) : null;
    },
    async find(ref: { bcId?: number | null; hlId?: number | null }): Promise<GiftCardLink | null> {
      if (ref.bcId) {
        const row = await base().where('bc_id', '=', String(ref.bcId)).executeTakeFirst();
        if (row) return fromRow(row);
      }
      if (ref.hlId) {
        const row = await base().where('hl_id', '=', String(ref.hlId)).executeTakeFirst();
        if (row) return fromRow(row);
      }
      return null;
    },
    /** Inserts a new row; null when another run holds a row for either id (unique constraints). */
    async insert(link: {
      bcId: number | null;
      hlId: number | null;
      data: Omit<GiftCardLinkData, 'rev'>;
    }): Promise<GiftCardLink | null> {
      const data: GiftCardLinkData = { ...link.data, rev: 1 };
      const raw = JSON.stringify(data);
      const t = now();
      try {
        const row = await db
          .insertInto('links')
          .values({
            connection_id: connectionId,
            kind: GIFTCARD_LINK_KIND,
            bc_id: link.bcId === null ? null : String(link.bcId),
            hl_id: link.hlId === null ? null : String(link.hlId),
            last_hash: stableHash({ agreed: data.agreed }),
            last_seen_version: null,
            data_json: raw,
            created_at: t,
            updated_at: t,
          })
          .returning(['id', 'bc_id', 'hl_id', 'data_json'])
          .executeTakeFirstOrThrow();
        return fromRow(row);
      } catch (err) {
        const existing = await this.find({ bcId: link.bcId, hlId: link.hlId });
        if (existing) return null;
        throw err;
      }
    },
    /**
     * Compare-and-set: writes `next` only if the row still holds what `link` was read with. Returns the
     * new link, or null when someone else changed the row first (the caller must re-read, not retry blind).
     */
    async cas(
      link: GiftCardLink,
      next: { bcId?: number | null; hlId?: number | null; data: Omit<GiftCardLinkData, 'rev'> },
    ): Promise<GiftCardLink | null> {
      const data: GiftCardLinkData = { ...next.data, rev: link.data.rev + 1 };
      const raw = JSON.stringify(data);
      const bcId = next.bcId === undefined ? link.bcId : next.bcId;
      const hlId = next.hlId === undefined ? link.hlId : next.hlId;
      const r = await db
        .updateTable('links')
        .set({
          bc_id: bcId === null ? null : String(bcId),
          hl_id: hlId === null ? null : String(hlId),
          last_hash: stableHash({ agreed: data.agreed }),
          data_json: raw,
          updated_at: now(),
        })
        .where('id', '=', link.id)
        .where('data_json', '=', link.raw)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows ?? 0) !== 1) return null;
      return { id: link.id, bcId, hlId, data, raw };
    },
    /** Removes a row that never became a card pair (a create that was refused), compare-and-set. */
    async remove(link: GiftCardLink): Promise<boolean> {
      const r = await db
        .deleteFrom('links')
        .where('id', '=', link.id)
        .where('data_json', '=', link.raw)
        .executeTakeFirst();
      return Number(r.numDeletedRows ?? 0) === 1;
    },
  };
}

export type GiftCardLinks = ReturnType<typeof createGiftCardLinks>;
