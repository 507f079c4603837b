/**
 * The Heartland account's in-memory data, inspectable by tests (`sim.state`). Route handlers change it
 * only through these tables and the stock methods below, so every stock change appends exactly one
 * ledger row per item × location (`/inventory/transactions`).
 */
import type {
  HlAddress,
  HlAdjustmentLine,
  HlAdjustmentSet,
  HlCustomer,
  HlCustomFieldDef,
  HlGiftCard,
  HlGiftCardAdjustment,
  HlGrid,
  HlInventoryTransaction,
  HlInvoice,
  HlInvoiceLine,
  HlItem,
  HlLocation,
  HlNamed,
  HlOrderAdjustment,
  HlOrderLine,
  HlPayment,
  HlSalesOrder,
  HlStation,
  HlStock,
  HlTicket,
  HlTicketLine,
  HlWebhook,
  HlWebhookDelivery,
} from './hl-records.js';
import { HlTable } from './hl-table.js';
import type { HlSeed } from './seed-types.js';

export type HlEventName = 'item_created' | 'item_updated' | 'customer_created' | 'customer_updated' | string;

export interface StockSource {
  type: string;
  id: number | null;
  reasonId?: number | null;
  unitCost?: number | null;
}

export class HlState {
  readonly items = new HlTable<HlItem>();
  readonly grids = new HlTable<HlGrid>();
  readonly locations = new HlTable<HlLocation>();
  readonly stations = new HlTable<HlStation>();
  /** Keyed `${item_id}:${location_id}`; a missing entry means all quantities are zero. */
  readonly stock = new Map<string, HlStock>();
  readonly inventoryTransactions = new HlTable<HlInventoryTransaction>();
  readonly adjustmentSets = new HlTable<HlAdjustmentSet>();
  readonly adjustmentLines = new HlTable<HlAdjustmentLine>();
  readonly customers = new HlTable<HlCustomer>();
  readonly addresses = new HlTable<HlAddress>();
  readonly salesOrders = new HlTable<HlSalesOrder>();
  readonly orderLines = new HlTable<HlOrderLine>();
  readonly orderAdjustments = new HlTable<HlOrderAdjustment>();
  readonly payments = new HlTable<HlPayment>();
  readonly invoices = new HlTable<HlInvoice>();
  readonly invoiceLines = new HlTable<HlInvoiceLine>();
  readonly tickets = new HlTable<HlTicket>();
  readonly ticketLines = new HlTable<HlTicketLine>();
  readonly giftCards = new HlTable<HlGiftCard>();
  readonly giftCardAdjustments = new HlTable<HlGiftCardAdjustment>();
  readonly paymentTypes = new HlTable<HlNamed>();
  readonly shippingMethods = new HlTable<HlNamed>();
  readonly inventoryAdjustmentReasons = new HlTable<HlNamed>();
  readonly giftCardAdjustmentReasons = new HlTable<HlNamed>();
  readonly customFields = new HlTable<HlCustomFieldDef>();
  readonly webhooks = new HlTable<HlWebhook>();
  readonly webhookDeliveries = new HlTable<HlWebhookDelivery>(1);

  /** public_id → item id, kept in step by `indexItem`; SKU lookups are the hot path. */
  readonly itemsBySku = new Map<string, number>();
  /** Listeners for record events (webhook dispatch). */
  private readonly listeners: ((event: HlEventName, record: Record<string, unknown>) => void)[] = [];
  private publicCounters = new Map<string, number>();

  constructor(readonly clock: () => number = Date.now) {}

  nowIso(): string {
    return new Date(this.clock()).toISOString();
  }

  /** Next auto-assigned `public_id` for a kind (Item #, Customer #, order and ticket numbers). */
  nextPublicId(kind: string, start = 100001): string {
    const n = this.publicCounters.get(kind) ?? start;
    this.publicCounters.set(kind, n + 1);
    return String(n);
  }

  uuid(kind: number, id: number): string {
    return `00000000-0000-4000-8${kind.toString(16).padStart(3, '0')}-${id.toString(16).padStart(12, '0')}`;
  }

  onEvent(listener: (event: HlEventName, record: Record<string, unknown>) => void): void {
    this.listeners.push(listener);
  }

  emit(event: HlEventName, record: object): void {
    for (const l of this.listeners) l(event, record as Record<string, unknown>);
  }

  indexItem(item: HlItem, previousSku?: string): void {
    if (previousSku !== undefined && previousSku !== item.public_id) this.itemsBySku.delete(previousSku);
    this.itemsBySku.set(item.public_id, item.id);
  }

  itemBySku(sku: string): HlItem | undefined {
    const id = this.itemsBySku.get(sku);
    return id === undefined ? undefined : this.items.get(id);
  }

  stockOf(itemId: number, locationId: number): HlStock {
    const key = `${itemId}:${locationId}`;
    let row = this.stock.get(key);
    if (!row) {
      const item = this.items.get(itemId);
      row = {
        item_id: itemId,
        location_id: locationId,
        qty_on_hand: 0,
        qty_committed: 0,
        qty_on_po: 0,
        qty_in_transit: 0,
        unit_cost: item ? item.cost : null,
      };
      this.stock.set(key, row);
    }
    return row;
  }

  peekStock(itemId: number, locationId: number): HlStock | undefined {
    return this.stock.get(`${itemId}:${locationId}`);
  }

  /** Applies a stock change and appends one ledger row. Quantities may go negative (Heartland allows
   * selling below zero at the POS); callers validate where the real API would refuse. */
  changeStock(
    itemId: number,
    locationId: number,
    delta: { onHand?: number; committed?: number },
    source: StockSource,
  ): HlInventoryTransaction | null {
    const onHand = delta.onHand ?? 0;
    const committed = delta.committed ?? 0;
    if (onHand === 0 && committed === 0) return null;
    const row = this.stockOf(itemId, locationId);
    row.qty_on_hand += onHand;
    row.qty_committed += committed;
    const at = this.nowIso();
    return this.inventoryTransactions.insert((id) => ({
      id,
      item_id: itemId,
      location_id: locationId,
      delta_qty_on_hand: onHand === 0 ? null : onHand,
      delta_qty_committed: committed === 0 ? null : committed,
      delta_qty_available: onHand - committed === 0 ? null : onHand - committed,
      unit_cost: source.unitCost ?? row.unit_cost,
      source_type: source.type,
      source_id: source.id,
      reason_id: source.reasonId ?? null,
      created_at: at,
    }));
  }

  /** Loads seed data. Seeded stock is set directly (a pre-existing account), without ledger rows. */
  loadSeed(seed: HlSeed): void {
    const at = this.nowIso();
    const named = (table: HlTable<import('./hl-records.js').HlNamed>, names: string[]) => {
      for (const name of names) {
        table.insert((id) => ({ id, name, description: null, 'active?': true, created_at: at }));
      }
    };
    named(this.paymentTypes, seed.paymentTypes);
    named(this.shippingMethods, seed.shippingMethods);
    named(this.inventoryAdjustmentReasons, seed.inventoryAdjustmentReasons);
    named(this.giftCardAdjustmentReasons, seed.giftCardAdjustmentReasons);
    for (const f of seed.customFields) {
      this.customFields.insert((id) => ({
        id,
        group_id: f.group_id,
        key: f.key,
        name: f.name,
        'required?': f.required,
        'unique?': f.unique,
        validation_type: f.validation_type,
        metadata: {},
        created_at: at,
        updated_at: at,
      }));
    }
    const locationIds = seed.locations.map((l) => {
      const loc = this.locations.insert((id) => ({
        id,
        public_id: l.public_id,
        name: l.name,
        'active?': true,
        created_at: at,
        updated_at: at,
      }));
      for (const s of l.stations) {
        this.stations.insert((id) => ({ id, location_id: loc.id, name: s, 'active?': true }));
      }
      return loc.id;
    });
    const gridIds = new Map<string, number>();
    for (const g of seed.grids) {
      const grid = this.grids.insert((id) => ({
        id,
        uuid: this.uuid(2, id),
        item_description: g.item_description,
        item_long_description: g.item_long_description,
        item_price: g.item_price,
        item_cost: g.item_cost,
        item_primary_vendor_id: null,
        custom: { ...g.custom },
        created_at: at,
        updated_at: at,
      }));
      gridIds.set(g.key, grid.id);
    }
    for (const s of seed.items) {
      const item = this.items.insert((id) => ({
        id,
        uuid: this.uuid(1, id),
        public_id: s.public_id,
        description: s.description,
        long_description: s.long_description,
        price: s.price,
        cost: s.cost,
        original_price: s.original_price,
        'active?': s.active,
        custom: { ...s.custom },
        grid_id: s.grid_key === null ? null : (gridIds.get(s.grid_key) ?? null),
        primary_vendor_id: null,
        primary_barcode: null,
        weight: s.weight,
        'track_inventory?': s.track_inventory,
        'available_online?': s.available_online,
        'allow_fractional_qty?': false,
        type: 'Item',
        created_at: at,
        updated_at: at,
      }));
      this.indexItem(item);
      s.stock.forEach((qty, i) => {
        const locId = locationIds[i];
        if (locId !== undefined && qty !== 0) this.stockOf(item.id, locId).qty_on_hand = qty;
      });
    }
    for (const c of seed.customers) {
      const customer = this.customers.insert((id) => ({
        id,
        uuid: this.uuid(3, id),
        public_id: c.public_id,
        first_name: c.first_name,
        last_name: c.last_name,
        email: c.email,
        phone: c.phone,
        'active?': true,
        custom: { ...c.custom },
        created_at: at,
        updated_at: at,
      }));
      for (const a of c.addresses) {
        this.addresses.insert((id) => ({
          id,
          customer_id: customer.id,
          ...a,
          created_at: at,
          updated_at: at,
        }));
      }
    }
    for (const g of seed.giftCards) {
      this.giftCards.insert((id) => ({
        id,
        number: g.number,
        balance: g.balance,
        import_set_id: null,
        created_at: at,
        updated_at: at,
      }));
    }
  }
}
