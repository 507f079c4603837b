/**
 * Links of kind `stock`: one row per SKU (bc_id = SKU, hl_id = Heartland item id) holding what we last
 * wrote to BigCommerce per location (`written`), what BigCommerce showed when we first mapped it
 * (`seen`), and its BigCommerce identity (variant / product id, for webhook hints).
 *
 * The rows are read and written in bulk here (one SELECT / one multi-row upsert per chunk) rather than
 * through `LinksRepository.upsert` (three statements per row): a 100k-SKU sync would otherwise spend
 * most of its CPU on 300k single-row statements. Same table, same columns, same unique keys.
 */
import type { Kysely } from 'kysely';
import { stableHash } from '../../mapping/stable-hash.js';
import type { Database } from '../../store/schema.js';

export const STOCK_LINK_KIND = 'stock';
const CHUNK = 200;

/** Levels per BigCommerce location id (keys are ids as strings, JSON-friendly). */
export type Levels = Record<string, number>;

export interface StockLink {
  sku: string;
  hlItemId: number | null;
  /** BigCommerce variant id and product id of the inventory unit (undefined when not in BigCommerce). */
  variantId?: number;
  productId?: number;
  /**
   * BigCommerce refused this SKU with "tracked by product, please update stock by product id": levels are
   * written with `product_id` (learned from a refusal; an inventory listing does not say how a unit is tracked).
   */
  byProduct?: boolean;
  /** True when BigCommerce has no inventory unit with this SKU (checked at `checkedAt`). */
  missing?: boolean;
  checkedAt?: number;
  /** What we last wrote, per location. */
  written: Levels;
  writtenAt?: number;
  /** What BigCommerce showed when the SKU was mapped (compared against until we write). */
  seen?: Levels;
}

interface LinkData {
  v?: number;
  p?: number;
  bp?: boolean;
  missing?: boolean;
  checkedAt?: number;
  written?: Levels;
  writtenAt?: number;
  seen?: Levels;
}

function fromRow(row: { bc_id: string | null; hl_id: string | null; data_json: string | null }): StockLink {
  const d = (row.data_json ? JSON.parse(row.data_json) : {}) as LinkData;
  return {
    sku: row.bc_id ?? '',
    hlItemId: row.hl_id === null ? null : Number(row.hl_id),
    variantId: d.v,
    productId: d.p,
    byProduct: d.bp,
    missing: d.missing,
    checkedAt: d.checkedAt,
    written: d.written ?? {},
    writtenAt: d.writtenAt,
    seen: d.seen,
  };
}

export function levelsHash(levels: Levels): string {
  return stableHash(levels);
}

export function createStockLinks(db: Kysely<Database>, connectionId: string, now: () => number) {
  const base = () =>
    db
      .selectFrom('links')
      .select(['bc_id', 'hl_id', 'data_json'])
      .where('connection_id', '=', connectionId)
      .where('kind', '=', STOCK_LINK_KIND);

  return {
    /** Whether this connection has any stock link yet (a fresh install has none). */
    async hasAny(): Promise<boolean> {
      const row = await base().limit(1).executeTakeFirst();
      return row !== undefined;
    },
    async all(): Promise<Map<string, StockLink>> {
      const rows = await base().execute();
      return new Map(rows.map((r) => [r.bc_id ?? '', fromRow(r)]));
    },
    async bySkus(skus: Iterable<string>): Promise<Map<string, StockLink>> {
      const out = new Map<string, StockLink>();
      const list = [...new Set(skus)];
      for (let i = 0; i < list.length; i += CHUNK) {
        const rows = await base()
          .where('bc_id', 'in', list.slice(i, i + CHUNK))
          .execute();
        for (const r of rows) out.set(r.bc_id ?? '', fromRow(r));
      }
      return out;
    },
    async byHlItemIds(ids: Iterable<number>): Promise<Map<number, StockLink>> {
      const out = new Map<number, StockLink>();
      const list = [...new Set(ids)].map(String);
      for (let i = 0; i < list.length; i += CHUNK) {
        const rows = await base()
          .where('hl_id', 'in', list.slice(i, i + CHUNK))
          .execute();
        for (const r of rows) {
          const l = fromRow(r);
          if (l.hlItemId !== null) out.set(l.hlItemId, l);
        }
      }
      return out;
    },
    /** Multi-row upsert keyed by (connection, kind, bc_id = SKU). */
    async save(links: Iterable<StockLink>): Promise<void> {
      const list = [...links];
      if (list.length === 0) return;
      const t = now();
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < list.length; i += CHUNK) {
          const values = list.slice(i, i + CHUNK).map((l) => {
            const data: LinkData = {
              v: l.variantId,
              p: l.productId,
              bp: l.byProduct || undefined,
              missing: l.missing || undefined,
              checkedAt: l.checkedAt,
              written: l.written,
              writtenAt: l.writtenAt,
              seen: l.seen,
            };
            return {
              connection_id: connectionId,
              kind: STOCK_LINK_KIND,
              bc_id: l.sku,
              hl_id: l.hlItemId === null ? null : String(l.hlItemId),
              last_hash: levelsHash(l.written),
              last_seen_version: null,
              data_json: JSON.stringify(data),
              created_at: t,
              updated_at: t,
            };
          });
          await trx
            .insertInto('links')
            .values(values)
            .onConflict((oc) =>
              oc.columns(['connection_id', 'kind', 'bc_id']).doUpdateSet((eb) => ({
                hl_id: eb.ref('excluded.hl_id'),
                last_hash: eb.ref('excluded.last_hash'),
                data_json: eb.ref('excluded.data_json'),
                updated_at: eb.ref('excluded.updated_at'),
              })),
            )
            .execute();
        }
      });
    },
  };
}

export type StockLinks = ReturnType<typeof createStockLinks>;

/** The level we compare a new target with: what we wrote, else what BigCommerce showed when mapped. */
export function lastKnownLevel(link: StockLink | undefined, bcLocationId: number): number | undefined {
  if (!link) return undefined;
  const key = String(bcLocationId);
  return link.written[key] ?? link.seen?.[key];
}
