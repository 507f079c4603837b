/**
 * Heartland reference data the orders flow resolves names against (payment types, shipping methods),
 * SKU → item ids, and the item catalogue for "did you mean" SKU suggestions. Cached per connection for a
 * short while: these change rarely, and reading them on every order would double the Heartland calls
 * per order (the SKU lookup alone was 1.00 call per order: the same SKUs sell over and over).
 *
 * SKU cache rules: a hit is kept for the TTL (an item's id does not change while it exists); a SKU
 * Heartland does not know is NOT cached (it may be created any minute, and its order is quarantined and
 * replayed); a failed lookup is not cached. A job's retry asks with `fresh` (a stale id that made a
 * create fail is then re-read), and `forgetItems` drops entries a failed create used.
 */
import type { HeartlandApi } from '../../connectors/heartland/heartland-api.js';
import { PermanentError } from '../../engine/errors.js';
import type { HlItemRef } from '../../mapping/hl-draft.js';
import { buildSkuIndex, type SkuIndex } from '../../mapping/sku-suggest.js';
import { foldKey } from '../../mapping/text.js';

interface Cached<T> {
  at: number;
  value: Promise<T>;
}

export interface ItemLookup {
  items: Map<string, HlItemRef>;
  /** SKUs answered from the cache (not read from Heartland by this call). */
  fromCache: string[];
}

export class ReferenceData {
  private readonly slots = new Map<string, Cached<unknown>>();
  private readonly items = new Map<string, Cached<HlItemRef | undefined>>();

  constructor(
    private readonly hl: () => HeartlandApi,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  private cached<T>(name: string, load: () => Promise<T>): Promise<T> {
    const slot = this.slots.get(name) as Cached<T> | undefined;
    if (slot && this.now() - slot.at < this.ttlMs) return slot.value;
    const entry: Cached<T> = { at: this.now(), value: load() };
    this.slots.set(name, entry);
    // A failed load is not cached: the next caller tries again.
    entry.value.catch(() => {
      if (this.slots.get(name) === entry) this.slots.delete(name);
    });
    return entry.value;
  }

  private byName(list: Array<{ id: number; name: string }>): Map<string, number> {
    return new Map(list.map((x) => [foldKey(x.name), x.id]));
  }

  async paymentTypeId(name: string): Promise<number> {
    const map = await this.cached('paymentTypes', async () => this.byName(await this.hl().paymentTypes()));
    const id = map.get(foldKey(name));
    if (id === undefined) {
      throw new PermanentError({
        code: 'HB_ERR_ORDER_PAYMENT_TYPE_UNKNOWN',
        message: `Heartland has no payment type named "${name}"`,
        suggestedFix: `create the payment type "${name}" in Heartland or map the method to an existing one (by id) in the mapping config, then replay`,
      });
    }
    return id;
  }

  async shippingMethodId(name: string): Promise<number | null> {
    const map = await this.cached('shippingMethods', async () =>
      this.byName(await this.hl().shippingMethods()),
    );
    // An unknown shipping method name leaves the field empty (the mapping's `required` flag governs).
    return map.get(foldKey(name)) ?? null;
  }

  /** Items by SKU (`public_id`): cached hits, the rest in ONE Heartland request. */
  async itemsBySku(skus: readonly string[], opts: { fresh?: boolean } = {}): Promise<ItemLookup> {
    const now = this.now();
    const fromCache: string[] = [];
    const missing: string[] = [];
    const wait: Array<[string, Promise<HlItemRef | undefined>]> = [];
    for (const sku of new Set(skus)) {
      const slot = this.items.get(sku);
      if (!opts.fresh && slot && now - slot.at < this.ttlMs) {
        fromCache.push(sku);
        wait.push([sku, slot.value]);
      } else missing.push(sku);
    }
    if (missing.length > 0) {
      if (this.items.size > 20_000) {
        for (const [k, v] of this.items) if (now - v.at >= this.ttlMs) this.items.delete(k);
      }
      const load = this.hl()
        .itemsByPublicId(missing)
        .then((list) => new Map(list.map((i) => [i.public_id, { id: i.id, public_id: i.public_id }])));
      for (const sku of missing) {
        const entry: Cached<HlItemRef | undefined> = { at: now, value: load.then((m) => m.get(sku)) };
        this.items.set(sku, entry);
        const drop = () => {
          if (this.items.get(sku) === entry) this.items.delete(sku);
        };
        entry.value.then((hit) => hit ?? drop(), drop);
        wait.push([sku, entry.value]);
      }
    }
    const items = new Map<string, HlItemRef>();
    for (const [sku, value] of wait) {
      const hit = await value;
      if (hit) items.set(sku, hit);
    }
    return { items, fromCache };
  }

  forgetItems(skus: readonly string[]): void {
    for (const sku of skus) this.items.delete(sku);
  }

  /** The whole item catalogue as a suggestion index; only loaded when an order has an unknown SKU. */
  skuIndex(): Promise<SkuIndex> {
    return this.cached('catalogue', async () => {
      const entries: Array<{ sku: string; name: string }> = [];
      for await (const page of this.hl().listItems(undefined, { perPage: 200 })) {
        for (const it of page.items) entries.push({ sku: it.public_id, name: it.description ?? '' });
      }
      return buildSkuIndex(entries);
    });
  }
}
