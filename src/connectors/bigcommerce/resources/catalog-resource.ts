/**
 * Catalog products and variants (v3). Batch updates are capped by BigCommerce (10 products, 50 variants
 * per PUT); larger lists are split here, sequentially (catalog writes are not to run in parallel with
 * bulk inventory writes, NOTES §9).
 */
import { z } from 'zod';
import type { BigCommerceClient, Query } from '../bigcommerce-client.js';
import { collect, type Page, type PaginateOptions, paginateV3 } from '../pagination.js';
import { type BcProduct, type BcVariant, productSchema, v3Envelope, variantSchema } from '../schemas.js';
import type { ProductCreateBody, ProductUpdate, VariantUpdate } from './body-types.js';

export const PRODUCT_BATCH_MAX = 10;
export const VARIANT_BATCH_MAX = 50;
/** Keeps `sku:in` URLs well below common 8 KB limits. */
const SKU_IN_CHUNK = 50;

export class CatalogResource {
  constructor(private readonly c: BigCommerceClient) {}

  async getProduct(productId: number, include?: string): Promise<BcProduct> {
    const r = await this.c.getJson(`/v3/catalog/products/${productId}`, v3Envelope(productSchema), {
      query: { include },
    });
    return r.data;
  }

  listProducts(query: Query = {}, opts: PaginateOptions = {}): AsyncGenerator<Page<BcProduct>> {
    return paginateV3(this.c, '/v3/catalog/products', productSchema, {
      ...opts,
      query: { ...query, ...opts.query },
    });
  }

  /** Base products whose product-level SKU is one of `skus`. */
  async productsBySku(skus: readonly string[], include?: string): Promise<BcProduct[]> {
    const out: BcProduct[] = [];
    for (const chunk of chunks(skus, SKU_IN_CHUNK)) {
      out.push(...(await collect(this.listProducts({ 'sku:in': chunk, include }))));
    }
    return out;
  }

  listVariants(query: Query = {}, opts: PaginateOptions = {}): AsyncGenerator<Page<BcVariant>> {
    return paginateV3(this.c, '/v3/catalog/variants', variantSchema, {
      ...opts,
      query: { ...query, ...opts.query },
    });
  }

  async variantBySku(sku: string): Promise<BcVariant | undefined> {
    const all = await collect(this.listVariants({ sku }));
    return all.find((v) => v.sku === sku);
  }

  async variantsBySku(skus: readonly string[]): Promise<BcVariant[]> {
    const out: BcVariant[] = [];
    for (const chunk of chunks(skus, SKU_IN_CHUNK))
      out.push(...(await collect(this.listVariants({ 'sku:in': chunk }))));
    return out;
  }

  async createProduct(body: ProductCreateBody): Promise<BcProduct> {
    const r = await this.c.sendJson('POST', '/v3/catalog/products', body, v3Envelope(productSchema));
    return r.data;
  }

  /** Batch update, split into PUTs of ≤10. Returns the updated products. */
  async updateProducts(updates: readonly ProductUpdate[]): Promise<BcProduct[]> {
    const out: BcProduct[] = [];
    for (const chunk of chunks(updates, PRODUCT_BATCH_MAX)) {
      const r = await this.c.sendJson(
        'PUT',
        '/v3/catalog/products',
        chunk,
        v3Envelope(z.array(productSchema)),
      );
      out.push(...r.data);
    }
    return out;
  }

  /** Batch update, split into PUTs of ≤50. */
  async updateVariants(updates: readonly VariantUpdate[]): Promise<BcVariant[]> {
    const out: BcVariant[] = [];
    for (const chunk of chunks(updates, VARIANT_BATCH_MAX)) {
      const r = await this.c.sendJson(
        'PUT',
        '/v3/catalog/variants',
        chunk,
        v3Envelope(z.array(variantSchema)),
      );
      out.push(...r.data);
    }
    return out;
  }
}

export function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}
