/**
 * The sync feature as an app module: flow handlers for every configured connection, the polls that
 * back the webhooks up, and the two webhook routes.
 */
import type { ConnectionConfig } from '../config/config-schema.js';
import { withDeadLetterHealing } from '../engine/dead-letter-healing.js';
import { PermanentError } from '../engine/errors.js';
import { CATALOG_TASK_NAMES, catalogSchedules, createCatalogHandlers } from '../flows/catalog/index.js';
import {
  CUSTOMER_TASKS,
  createCustomerHandlers,
  customerSchedules,
  customerTopicRoute,
} from '../flows/customers/index.js';
import { GIFTCARD_TASKS } from '../flows/giftcards/giftcard-sync.js';
import { createGiftCardHandlers, giftCardSchedules } from '../flows/giftcards/handlers.js';
import { createFlowHandlers, flowSchedules, routeTopic, TASKS } from '../flows/index.js';
import {
  createInventoryHandlers,
  INVENTORY_TASKS,
  inventorySchedules,
  inventoryTopicRoute,
  toScheduleDefinition,
} from '../flows/inventory/index.js';
import { createPaymentsHandlers, PAYMENTS_TASK, paymentsSchedule } from '../flows/payments/index.js';
import type { WebhookConnection, WebhookTaskRouter } from '../server/routes/webhook-deps.js';
import { registerBigCommerceWebhookRoute } from '../server/routes/webhooks-bigcommerce.js';
import { registerHeartlandWebhookRoute } from '../server/routes/webhooks-heartland.js';
import type { AppModule } from './app-module.js';
import {
  type ConnectionRuntime,
  createConnectionRuntime,
  customersContextFor,
  flowContextFor,
  giftCardContextFor,
  stockContextFor,
} from './connection-runtime.js';
import type { AppParts } from './create-app.js';

const runtimes = new WeakMap<AppParts, Map<string, ConnectionRuntime>>();

function runtimeFor(parts: AppParts, conn: ConnectionConfig): ConnectionRuntime {
  let byId = runtimes.get(parts);
  if (!byId) {
    byId = new Map();
    runtimes.set(parts, byId);
  }
  let rt = byId.get(conn.id);
  if (!rt) {
    rt = createConnectionRuntime(parts, conn);
    byId.set(conn.id, rt);
  }
  return rt;
}

function connectionOf(parts: AppParts, id: string): ConnectionConfig {
  const conn = parts.config.connections.find((c) => c.id === id);
  if (!conn) {
    throw new PermanentError({
      code: 'HB_ERR_CONFIG_UNKNOWN_CONNECTION',
      message: `no connection '${id}' in the configuration`,
      suggestedFix: 'restore the connection in heartbridge.yaml, or discard this job',
    });
  }
  return conn;
}

function webhookConnection(parts: AppParts, id: string): WebhookConnection | undefined {
  const conn = parts.config.connections.find((c) => c.id === id);
  // A connection without a webhook secret accepts no webhooks at all (polls still run).
  if (!conn?.webhookSecret) return undefined;
  return { id: conn.id, webhookSecret: conn.webhookSecret, storeHash: conn.bigcommerce.storeHash };
}

/**
 * Orders for every connection; customer profiles unless the connection's `customers` block turns them
 * off; stock and catalog only for connections with an `inventory` block (their webhooks are acknowledged
 * as ignored otherwise, so no job fails for a flow that is switched off).
 */
function taskRouter(parts: AppParts): WebhookTaskRouter {
  return (connectionId, topic, entityKey) => {
    const orders = routeTopic(topic, entityKey);
    if (orders) return orders;
    const conn = parts.config.connections.find((c) => c.id === connectionId);
    if (!conn) return undefined;
    const customers = runtimeFor(parts, conn).customers.enabled
      ? customerTopicRoute(topic, entityKey)
      : undefined;
    if (customers) return customers;
    if (!runtimeFor(parts, conn).inventory) return undefined;
    return inventoryTopicRoute(topic, entityKey);
  };
}

/**
 * Tasks whose run reads the entity's current state and brings both sides in step, whatever its payload:
 * a success closes the entity's earlier dead letters of the same task (src/engine/dead-letter-healing.ts).
 * Not `fulfilment.apply`: its payload is one shipment, which a later shipment of the order does not apply.
 */
export const STATE_SYNC_TASKS: ReadonlySet<string> = new Set([
  TASKS.ordersSync,
  TASKS.ordersPoll,
  TASKS.fulfilmentPoll,
  ...Object.values(CUSTOMER_TASKS),
  ...Object.values(INVENTORY_TASKS),
  ...Object.values(CATALOG_TASK_NAMES),
  ...Object.values(GIFTCARD_TASKS),
  PAYMENTS_TASK,
]);

export const syncModule: AppModule = {
  name: 'sync',
  handlers: (parts) => {
    const stockContext = (connectionId: string) => {
      const conn = connectionOf(parts, connectionId);
      return stockContextFor(parts, conn, runtimeFor(parts, conn));
    };
    const handlers = {
      ...createFlowHandlers((connectionId) => {
        const conn = connectionOf(parts, connectionId);
        return flowContextFor(parts, conn, runtimeFor(parts, conn));
      }),
      ...createInventoryHandlers(stockContext),
      ...createCatalogHandlers(stockContext),
      ...createCustomerHandlers((connectionId) => {
        const conn = connectionOf(parts, connectionId);
        return customersContextFor(parts, conn, runtimeFor(parts, conn));
      }),
      ...createGiftCardHandlers((connectionId) => {
        const conn = connectionOf(parts, connectionId);
        return giftCardContextFor(parts, conn, runtimeFor(parts, conn));
      }),
      ...createPaymentsHandlers((connectionId) => {
        const conn = connectionOf(parts, connectionId);
        return flowContextFor(parts, conn, runtimeFor(parts, conn));
      }),
    };
    return withDeadLetterHealing(handlers, {
      db: parts.store.db,
      audit: parts.engine.audit,
      tasks: STATE_SYNC_TASKS,
      onError: (err, job) =>
        parts.logger.warn(
          { err, jobId: job.jobId, task: job.task },
          'could not close superseded dead letters',
        ),
    });
  },
  schedules: (parts) =>
    parts.config.connections.flatMap((conn) => {
      const runtime = runtimeFor(parts, conn);
      const stock = runtime.inventory
        ? [...inventorySchedules(runtime.inventory), ...catalogSchedules(runtime.catalog)].map((s) =>
            toScheduleDefinition(s, parts.engine, conn.id),
          )
        : [];
      // Gift cards: polled on both sides (neither sends events) for connections with a `giftCards` block.
      const giftCards = runtime.giftCards
        ? giftCardSchedules(runtime.giftCards).map((s) => toScheduleDefinition(s, parts.engine, conn.id))
        : [];
      return [
        ...flowSchedules({
          engine: parts.engine,
          connectionIds: [conn.id],
          ordersEvery: conn.polling.orders,
          fulfilmentEvery: conn.polling.fulfilment,
        }),
        ...stock,
        ...giftCards,
        paymentsSchedule(parts.engine, conn.id, conn.polling.payments),
        // Heartland customers: polled (`polling.customers`) only when something flows to BigCommerce.
        ...customerSchedules(runtime.customers, conn.polling.customers).map((s) =>
          toScheduleDefinition(s, parts.engine, conn.id),
        ),
      ];
    }),
  routes(server, parts) {
    const connection = (id: string) => webhookConnection(parts, id);
    const route = taskRouter(parts);
    registerBigCommerceWebhookRoute(server, { inbox: parts.engine.inbox, connection, route });
    registerHeartlandWebhookRoute(server, { inbox: parts.engine.inbox, connection, route });
  },
};
