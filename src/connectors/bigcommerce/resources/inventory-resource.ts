/**
 * Inventory (v3) and locations. Adjustments are asynchronous on BigCommerce's side (do not read back at
 * once) and capped at 2000 items per call; bigger lists are split and sent one after another, because
 * BigCommerce asks for the next adjustment only after the previous one returned (NOTES §9).
 */
import type { BigCommerceClient, Query } from '../bigcommerce-client.js';
import { collect, type Page, type PaginateOptions, paginateV3 } from '../pagination.js';
import {
  type BcInventoryItem,
  type BcLocation,
  inventoryItemSchema,
  locationSchema,
  transactionIdSchema,
} from '../schemas.js';
import type {
  AbsoluteAdjustmentItem,
  LocationCreate,
  LocationUpdate,
  RelativeAdjustmentsBody,
} from './body-types.js';
import { chunks } from './catalog-resource.js';

export const ADJUSTMENT_BATCH_MAX = 2000;

export interface InventoryItemFilters {
  skus?: readonly string[];
  variantIds?: readonly number[];
  productIds?: readonly number[];
  locationIds?: readonly number[];
}

export class InventoryResource {
  constructor(private readonly c: BigCommerceClient) {}

  items(
    filters: InventoryItemFilters = {},
    opts: PaginateOptions = {},
  ): AsyncGenerator<Page<BcInventoryItem>> {
    const query: Query = {
      'sku:in': filters.skus,
      'variant_id:in': filters.variantIds,
      'product_id:in': filters.productIds,
      'location_id:in': filters.locationIds,
      ...opts.query,
    };
    return paginateV3(this.c, '/v3/inventory/items', inventoryItemSchema, { ...opts, query });
  }

  /** Sets absolute levels; returns one transaction id per call made. */
  async setAbsolute(items: readonly AbsoluteAdjustmentItem[], reason?: string): Promise<string[]> {
    const ids: string[] = [];
    for (const chunk of chunks(items, ADJUSTMENT_BATCH_MAX)) {
      const r = await this.c.sendJson(
        'PUT',
        '/v3/inventory/adjustments/absolute',
        { reason, items: chunk },
        transactionIdSchema,
      );
      ids.push(r.transaction_id);
    }
    return ids;
  }

  /** Relative changes. Prefer absolute levels computed from the truth (DESIGN §5.5). */
  async adjustRelative(items: RelativeAdjustmentsBody['items'], reason?: string): Promise<string[]> {
    const ids: string[] = [];
    for (const chunk of chunks(items, ADJUSTMENT_BATCH_MAX)) {
      const r = await this.c.sendJson(
        'POST',
        '/v3/inventory/adjustments/relative',
        { reason, items: chunk },
        transactionIdSchema,
      );
      ids.push(r.transaction_id);
    }
    return ids;
  }

  listLocations(query: Query = {}): Promise<BcLocation[]> {
    return collect(paginateV3(this.c, '/v3/inventory/locations', locationSchema, { query }));
  }

  async createLocations(locations: readonly LocationCreate[]): Promise<string> {
    return (await this.c.sendJson('POST', '/v3/inventory/locations', locations, transactionIdSchema))
      .transaction_id;
  }

  async updateLocations(locations: ReadonlyArray<Partial<LocationUpdate> & { id: number }>): Promise<string> {
    return (await this.c.sendJson('PUT', '/v3/inventory/locations', locations, transactionIdSchema))
      .transaction_id;
  }
}
