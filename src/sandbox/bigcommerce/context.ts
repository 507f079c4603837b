/** What every route file receives: the state, the webhook dispatcher, the clock and options. */
import type { InventoryService } from './inventory-service.js';
import type { StoreState } from './store-state.js';
import type { WebhookDispatcher } from './webhooks.js';

export interface BcContext {
  state: StoreState;
  webhooks: WebhookDispatcher;
  inventory: InventoryService;
  now: () => number;
  options: {
    /** Real BigCommerce only accepts https destinations on port 443; the sandbox allows http by default. */
    requireHttps: boolean;
    /** Refuse v2 orders for tracked items without enough stock at the default location (default true). */
    rejectOutOfStock: boolean;
  };
}
