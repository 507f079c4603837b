/**
 * Heartland reference data the orders flow resolves names against (payment types, shipping methods)
 * and the item catalogue for "did you mean" SKU suggestions. Cached per connection for a short while:
 * these change rarely, and reading them on every order would double the Heartland calls per order.
 */
import type { HeartlandApi } from '../../connectors/heartland/heartland-api.js';
import { PermanentError } from '../../engine/errors.js';
import { buildSkuIndex, type SkuIndex } from '../../mapping/sku-suggest.js';
import { foldKey } from '../../mapping/text.js';

interface Cached<T> {
  at: number;
  value: Promise<T>;
}

export class ReferenceData {
  private readonly slots = new Map<string, Cached<unknown>>();

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
