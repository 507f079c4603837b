import type { IngestJob } from '../../engine/inbox.js';

/** What a webhook route needs to know about a connection (resolved from config, secrets decrypted). */
export interface WebhookConnection {
  id: string;
  webhookSecret: string;
  /** Standard Webhooks signing secret; when set, deliveries must be signed. */
  signingSecret?: string;
  /** BigCommerce store hash; deliveries from another store are refused. */
  storeHash?: string;
}

/**
 * Which job an event becomes. Supplied by the flows layer (the server does not know flow names);
 * `undefined` means no flow handles this topic: the delivery is acknowledged and counted as ignored.
 */
export type WebhookTaskRouter = (
  connectionId: string,
  topic: string,
  entityKey: string,
) => IngestJob | undefined;
