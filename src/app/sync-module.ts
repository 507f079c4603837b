/**
 * The sync feature as an app module: flow handlers for every configured connection, the polls that
 * back the webhooks up, and the two webhook routes.
 */
import type { ConnectionConfig } from '../config/config-schema.js';
import { PermanentError } from '../engine/errors.js';
import { createFlowHandlers, flowSchedules, webhookTaskRouter } from '../flows/index.js';
import type { WebhookConnection } from '../server/routes/webhook-deps.js';
import { registerBigCommerceWebhookRoute } from '../server/routes/webhooks-bigcommerce.js';
import { registerHeartlandWebhookRoute } from '../server/routes/webhooks-heartland.js';
import type { AppModule } from './app-modules.js';
import { type ConnectionRuntime, createConnectionRuntime, flowContextFor } from './connection-runtime.js';
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

export const syncModule: AppModule = {
  name: 'sync',
  handlers: (parts) =>
    createFlowHandlers((connectionId) => {
      const conn = connectionOf(parts, connectionId);
      return flowContextFor(parts, conn, runtimeFor(parts, conn));
    }),
  schedules: (parts) =>
    parts.config.connections.flatMap((conn) =>
      flowSchedules({
        engine: parts.engine,
        connectionIds: [conn.id],
        ordersEvery: conn.polling.orders,
        fulfilmentEvery: conn.polling.fulfilment,
      }),
    ),
  routes(server, parts) {
    const connection = (id: string) => webhookConnection(parts, id);
    registerBigCommerceWebhookRoute(server, {
      inbox: parts.engine.inbox,
      connection,
      route: webhookTaskRouter,
    });
    registerHeartlandWebhookRoute(server, {
      inbox: parts.engine.inbox,
      connection,
      route: webhookTaskRouter,
    });
  },
};
