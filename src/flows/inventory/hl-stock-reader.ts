/**
 * Heartland reads the stock flow needs, as small typed functions over the client's generic paging
 * (the connector's `inventoryValues` has no item-list / location chunking or `_only`; these add it).
 *
 * - `ledgerHead`: the newest `inventory/transactions` id (one row, sorted by id descending).
 * - `ledgerItemsSince`: item ids touched after an id, at feeding locations only (id keyset walk).
 * - `valuesForItems` / `valuesForLocation`: `inventory/values` grouped by item and location. Filters go
 *   in `_filter` (the documented form, NOTES §5) and also as the bare `item_id[]` / `location_id`
 *   parameters several clients send to inventory endpoints (NOTES §5: honoured there, harmless if not),
 *   which lets a server narrow the computation before paging. Big pulls go one location at a time
 *   (NOTES §17.10).
 * - `itemSkus`: item id → `public_id` (the SKU), with `_only[]` to keep pages small.
 */
import { z } from 'zod';
import { type HlFilter, hlFilter } from '../../connectors/heartland/filter.js';
import type { HeartlandApi } from '../../connectors/heartland/heartland-api.js';

const valueRow = z.looseObject({
  item_id: z.number().int(),
  location_id: z.number().int(),
  qty_available: z.number().nullish(),
});
export type HlValueRow = z.infer<typeof valueRow>;

const ledgerRow = z.looseObject({
  id: z.number().int(),
  item_id: z.number().int(),
  location_id: z.number().int().nullish(),
});

const itemRow = z.looseObject({
  id: z.number().int(),
  public_id: z.string(),
  track_inventory: z.boolean().nullish(),
});
export type HlItemRow = z.infer<typeof itemRow>;

const ID_CHUNK = 200;

export async function ledgerHead(hl: HeartlandApi): Promise<number> {
  const body = await hl.client.getJson(
    '/inventory/transactions',
    z.looseObject({ results: z.array(ledgerRow) }),
    { 'sort[]': ['id,desc'], page: 1, per_page: 1 },
  );
  return body.results[0]?.id ?? 0;
}

/** Item ids with ledger rows after `afterId` at the given locations; stops after `maxRows` rows. */
export async function ledgerItemsSince(
  hl: HeartlandApi,
  afterId: number,
  locationIds: readonly number[],
  opts: { pageSize: number; maxRows?: number },
): Promise<{ itemIds: Set<number>; lastId: number; rows: number; complete: boolean }> {
  const itemIds = new Set<number>();
  let lastId = afterId;
  let rows = 0;
  const pages = hl.client.keyset('/inventory/transactions', ledgerRow, {
    afterId,
    filter: hlFilter.in('location_id', [...locationIds]),
    perPage: opts.pageSize,
  });
  for await (const page of pages) {
    for (const r of page.items) itemIds.add(r.item_id);
    rows += page.items.length;
    lastId = Math.max(lastId, page.lastId);
    if (page.done) return { itemIds, lastId, rows, complete: true };
    if (opts.maxRows !== undefined && rows >= opts.maxRows) return { itemIds, lastId, rows, complete: false };
  }
  return { itemIds, lastId, rows, complete: true };
}

function valuesQuery(filter: HlFilter | undefined, bare: Record<string, number | number[]>) {
  return {
    'group[]': ['item_id', 'location_id'],
    _filter: filter,
    ...bare,
  };
}

export async function valuesForItems(
  hl: HeartlandApi,
  itemIds: readonly number[],
  locationIds: readonly number[],
  pageSize: number,
): Promise<HlValueRow[]> {
  const out: HlValueRow[] = [];
  for (let i = 0; i < itemIds.length; i += ID_CHUNK) {
    const chunk = itemIds.slice(i, i + ID_CHUNK);
    const filter = hlFilter.and(hlFilter.in('item_id', chunk), hlFilter.in('location_id', [...locationIds]));
    const query = valuesQuery(filter, { 'item_id[]': chunk, 'location_id[]': [...locationIds] });
    for await (const page of hl.client.paginate('/inventory/values', valueRow, {
      query,
      perPage: pageSize,
    })) {
      out.push(...page.items);
    }
  }
  return out;
}

/** Every non-empty row of one location, page by page (`onPage` sees each page as it arrives). */
export async function valuesForLocation(
  hl: HeartlandApi,
  locationId: number,
  pageSize: number,
  onPage: (rows: HlValueRow[]) => void,
): Promise<void> {
  const query = {
    ...valuesQuery(hlFilter.eq('location_id', locationId), { location_id: locationId }),
    exclude_empty_locations: true,
  };
  for await (const page of hl.client.paginate('/inventory/values', valueRow, { query, perPage: pageSize })) {
    onPage(page.items);
  }
}

const ITEM_FIELDS = ['id', 'public_id', 'track_inventory'];

export async function itemSkus(hl: HeartlandApi, itemIds: readonly number[]): Promise<HlItemRow[]> {
  const out: HlItemRow[] = [];
  for (let i = 0; i < itemIds.length; i += ID_CHUNK) {
    const chunk = itemIds.slice(i, i + ID_CHUNK);
    const pages = hl.client.paginate('/items', itemRow, {
      query: { _filter: hlFilter.in('id', chunk), '_only[]': ITEM_FIELDS },
      perPage: ID_CHUNK,
    });
    for await (const page of pages) out.push(...page.items);
  }
  return out;
}

/** Every item (id keyset walk, resumable from `afterId`). */
export async function* allItems(
  hl: HeartlandApi,
  pageSize: number,
  afterId = 0,
): AsyncGenerator<{ items: HlItemRow[]; lastId: number }> {
  for await (const page of hl.client.keyset('/items', itemRow, {
    afterId,
    perPage: pageSize,
    query: { '_only[]': ITEM_FIELDS },
  })) {
    yield { items: page.items, lastId: page.lastId };
  }
}
