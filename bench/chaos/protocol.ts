/**
 * Messages between the chaos runner and its sandbox child (Node IPC). The sandbox lives in its own
 * process so that SIGKILLing the bridge never touches it, and so that its verification reads the
 * simulators' own state, not anything heartbridge reports.
 */
import type { SandboxFaults } from './profiles.js';

export interface SandboxInfo {
  bigcommerce: { apiUrl: string; storeHash: string; accessToken: string };
  heartland: { apiUrl: string; token: string };
  /** A mapping block that fits the seeded Heartland account (station, payment and shipping names). */
  mapping: Record<string, unknown>;
  skus: number;
  /** The seed's location pairs (Heartland location i ⇄ BigCommerce location i), with Heartland's ids. */
  locationMap: Array<{ hlLocationId: number; bcLocationId: number; name: string }>;
}

export interface PlacedOrder {
  total: string;
  statusId: number;
}

export interface LoadRequest {
  orders: number;
  stockChanges: number;
  loadMs: number;
  seed: string;
}

export interface LoadCounts {
  ordersPlaced: number;
  /** ...of which carry a SKU only BigCommerce has: parked by heartbridge, their stock stays reserved. */
  ordersWithUnknownSku: number;
  /** Order bodies that could not be built (the store sold out of every picked variant). */
  ordersSkipped: number;
  stockChanges: number;
  stockChangesFailed: number;
}

export interface SandboxStatus {
  ordersPlaced: number;
  hlOrders: number;
  shipped: number;
  /** Open Heartland orders of this run not yet shipped by the fulfiller. */
  unshipped: number;
  webhooksPending: number;
  bcShipments: number;
  /** Worst event-loop delay of the simulators' process so far (ms). */
  loopDelayMaxMs: number;
}

export interface StockCheck {
  wired: boolean;
  /** (SKU, BigCommerce location) pairs compared. */
  compared: number;
  drift: Array<{ sku: string; locationId: number; bc: number; expected: number }>;
  /** Units held back for BigCommerce orders Heartland does not have (and how many such orders). */
  reservedUnits: number;
  reservedOrders: number;
  /** Pairs where safety stock lowered the expected level (so the rule was really exercised). */
  safetyApplied: number;
}

/** What the stock verdict needs to know of the bridge's inventory block (see run-chaos.ts). */
export interface StockExpectation {
  locations: Array<{ bcLocationId: number; hlLocationIds: number[]; keep: number }>;
  /** BigCommerce location storefront orders take stock from (where reservations are held). */
  orderLocationId: number;
}

export interface VerifyRequest {
  /** Entity keys (`bc:order:<id>`) the bridge parked on purpose: open quarantine / review items. */
  parked: string[];
  /** The inventory block the bridge ran with; null = not configured (no stock verdict). */
  stock: null | StockExpectation;
}

export interface VerifyResult {
  placed: number;
  synced: number;
  parked: number[];
  /** Orders Heartland should not get: Incomplete checkouts and statuses the mapping skips (by status). */
  notForSync: Record<string, number>;
  /** ...of which Heartland got one anyway. */
  syncedAgainstMapping: number[];
  lost: number[];
  duplicated: Array<{ bcOrderId: number; hlOrders: number; created?: string[] }>;
  /** Heartland copies of an order that heartbridge cancelled itself (late-landing creates, repaired). */
  lateCopiesCancelled: number;
  wrongTotals: Array<{ bcOrderId: number; bc: number; hl: number; taxes?: string[] }>;
  /** Orders whose Heartland deposits exceed the order total: a payment recorded twice. */
  overpaid: Array<{ bcOrderId: number; total: number; paid: number; payments: string[] }>;
  wrongLines: Array<{ bcOrderId: number; bc: string; hl: string }>;
  /** Orders whose Heartland copy has more lines than BigCommerce's (one SKU split over two unit prices). */
  ordersWithSplitLines: number;
  /** Heartland orders that carry a BigCommerce id this run never placed. */
  strays: number;
  fulfilments: number;
  shipmentsLost: number[];
  shipmentsDuplicated: Array<{ bcOrderId: number; bcShipments: number; hlInvoices: number }>;
  stock: StockCheck;
  faults: { bc: Record<string, number>; hl: Record<string, number> };
  webhookDeliveries: number;
  /**
   * The simulators' event-loop delay over the run (ms). A request waits at least this long before its
   * handler runs; past the clients' timeout, a write can commit after heartbridge gave up on it.
   */
  simLoopDelay?: { maxMs: number; p99Ms: number };
}

export type ChildCommand =
  | { cmd: 'faults'; faults: SandboxFaults | null }
  | { cmd: 'load'; load: LoadRequest }
  | { cmd: 'fulfiller'; on: boolean }
  | { cmd: 'status' }
  | { cmd: 'verify'; verify: VerifyRequest }
  | { cmd: 'stock'; stock: StockExpectation }
  | { cmd: 'stop' };

export type ChildRequest = ChildCommand & { id: number };
export type ChildReply =
  | { type: 'ready'; info: SandboxInfo }
  | { type: 'reply'; id: number; ok: true; result: unknown }
  | { type: 'reply'; id: number; ok: false; error: string };
