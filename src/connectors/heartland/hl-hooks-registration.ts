/**
 * Heartland webhook subscriptions for a connection (item and customer events; Heartland has none for
 * orders, stock or gift cards, which are polled). The secret travels in the callback URL path because
 * Heartland deliveries carry no signature (NOTES §15). Idempotent: an existing subscription with our
 * exact URL is kept; ones pointing at our endpoint with another secret (rotated) are replaced.
 */
import type { HeartlandApi } from './heartland-api.js';

export const DEFAULT_HL_EVENTS = [
  'item_created',
  'item_updated',
  'customer_created',
  'customer_updated',
] as const;

export interface InstallHeartlandHooksOptions {
  publicUrl: string;
  connectionId: string;
  secret: string;
  events?: readonly string[];
}

export function heartlandHookUrl(publicUrl: string, connectionId: string, secret: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/webhooks/heartland/${encodeURIComponent(connectionId)}/${encodeURIComponent(secret)}`;
}

export async function installHeartlandHooks(
  api: HeartlandApi,
  opts: InstallHeartlandHooksOptions,
): Promise<{ created: string[]; unchanged: string[]; removed: number }> {
  const url = heartlandHookUrl(opts.publicUrl, opts.connectionId, opts.secret);
  const prefix = heartlandHookUrl(opts.publicUrl, opts.connectionId, '');
  const existing = await api.webhooks();
  let removed = 0;
  for (const hook of existing) {
    if (hook.url.startsWith(prefix) && hook.url !== url) {
      await api.deleteWebhook(hook.id);
      removed++;
    }
  }
  const ours = existing.filter((h) => h.url === url);
  const have = new Set(ours.flatMap((h) => h.events ?? []));
  const wanted = opts.events ?? DEFAULT_HL_EVENTS;
  const missing = wanted.filter((e) => !have.has(e));
  if (missing.length > 0) await api.createWebhook({ url, events: [...missing] });
  return { created: missing, unchanged: wanted.filter((e) => have.has(e)), removed };
}

export async function heartlandHooksStatus(
  api: HeartlandApi,
  opts: InstallHeartlandHooksOptions,
): Promise<{ ok: boolean; missing: string[] }> {
  const url = heartlandHookUrl(opts.publicUrl, opts.connectionId, opts.secret);
  const have = new Set((await api.webhooks()).filter((h) => h.url === url).flatMap((h) => h.events ?? []));
  const missing = (opts.events ?? DEFAULT_HL_EVENTS).filter((e) => !have.has(e));
  return { ok: missing.length === 0, missing };
}
