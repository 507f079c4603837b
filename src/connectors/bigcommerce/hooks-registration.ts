/**
 * Creates, repairs and reports the BigCommerce webhook subscriptions of a connection. Idempotent: run
 * it as often as you like (at `heartbridge webhooks install`, from `doctor`, on a schedule). BigCommerce
 * deactivates a hook after ~48 h of failed deliveries or 90 days idle (`is_active:false`); installing
 * again re-activates it (DESIGN §5.8).
 */
import type { BigCommerceApi } from './bigcommerce-api.js';
import type { BcHook } from './schemas.js';
import { DEFAULT_SECRET_HEADER } from './webhooks.js';

/** What heartbridge listens to by default (issue 4). */
export const DEFAULT_BC_HOOK_SCOPES = [
  'store/order/created',
  'store/order/updated',
  'store/order/statusUpdated',
  'store/customer/created',
  'store/customer/updated',
  // Address book changes fire these, not customer/updated (NOTES §8): the customer profile flow needs them.
  'store/customer/address/created',
  'store/customer/address/updated',
  'store/product/created',
  'store/product/updated',
  'store/product/inventory/updated',
  'store/product/inventory/order/updated',
  'store/sku/inventory/updated',
  'store/sku/inventory/order/updated',
] as const;

export interface InstallHooksOptions {
  /** `HEARTBRIDGE_PUBLIC_URL`, e.g. `https://sync.example.com` (HTTPS, port 443: BigCommerce requires it). */
  publicUrl: string;
  connectionId: string;
  /** Value of the secret header sent with every delivery. */
  secret: string;
  scopes?: readonly string[];
  secretHeader?: string;
}

export interface InstallReport {
  destination: string;
  created: string[];
  reactivated: string[];
  /** Existing active hooks whose secret header was rewritten (secret rotated). */
  updated: string[];
  unchanged: string[];
}

export function hookDestination(publicUrl: string, connectionId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/webhooks/bigcommerce/${encodeURIComponent(connectionId)}`;
}

export async function installHooks(
  api: Pick<BigCommerceApi, 'hooks'>,
  opts: InstallHooksOptions,
): Promise<InstallReport> {
  const destination = hookDestination(opts.publicUrl, opts.connectionId);
  const headers = { [opts.secretHeader ?? DEFAULT_SECRET_HEADER]: opts.secret };
  const report: InstallReport = { destination, created: [], reactivated: [], updated: [], unchanged: [] };
  const existing = (await api.hooks.list()).filter((h) => h.destination === destination);
  for (const scope of opts.scopes ?? DEFAULT_BC_HOOK_SCOPES) {
    const hook = existing.find((h) => h.scope === scope);
    if (!hook) {
      await api.hooks.create({ scope, destination, is_active: true, headers });
      report.created.push(scope);
    } else if (!hook.is_active) {
      await api.hooks.update(hook.id, { is_active: true, headers, destination });
      report.reactivated.push(scope);
    } else if (!sameHeaders(hook, headers)) {
      await api.hooks.update(hook.id, { is_active: true, headers, destination });
      report.updated.push(scope);
    } else {
      report.unchanged.push(scope);
    }
  }
  return report;
}

export interface HookStatus {
  scope: string;
  state: 'active' | 'inactive' | 'missing';
  hookId?: number;
}

export async function hooksStatus(
  api: Pick<BigCommerceApi, 'hooks'>,
  opts: Pick<InstallHooksOptions, 'publicUrl' | 'connectionId' | 'scopes'>,
): Promise<{ destination: string; hooks: HookStatus[]; ok: boolean }> {
  const destination = hookDestination(opts.publicUrl, opts.connectionId);
  const existing = (await api.hooks.list()).filter((h) => h.destination === destination);
  const hooks = (opts.scopes ?? DEFAULT_BC_HOOK_SCOPES).map((scope): HookStatus => {
    const hook = existing.find((h) => h.scope === scope);
    if (!hook) return { scope, state: 'missing' };
    return { scope, state: hook.is_active ? 'active' : 'inactive', hookId: hook.id };
  });
  return { destination, hooks, ok: hooks.every((h) => h.state === 'active') };
}

/** Hooks list responses may omit header values; treat "unknown" as different so the secret is rewritten. */
function sameHeaders(hook: BcHook, wanted: Record<string, string>): boolean {
  if (!hook.headers) return false;
  const have = Object.fromEntries(Object.entries(hook.headers).map(([k, v]) => [k.toLowerCase(), v]));
  return Object.entries(wanted).every(([k, v]) => have[k.toLowerCase()] === v);
}
