/**
 * `heartbridge doctor` checks for the two APIs. Each returns `{name, ok, detail, fix}` in plain words and
 * never throws for an expected failure (bad token, unreachable host): a failed check is a result. The CLI
 * prints one line per check and exits non-zero when any fails (wired by the CLI layer).
 */
import { HeartbridgeError } from '../engine/errors.js';
import type { BigCommerceApi } from './bigcommerce/bigcommerce-api.js';
import { type HookStatus, hooksStatus, type InstallHooksOptions } from './bigcommerce/hooks-registration.js';
import type { HeartlandApi } from './heartland/heartland-api.js';
import type { ResponseHeaders } from './shared/http-transport.js';

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do when the check failed. */
  fix?: string;
}

/** The token works: a GET on webhooks (the default scope every API account has). */
export async function checkBigCommerceCredentials(api: BigCommerceApi): Promise<CheckResult> {
  const name = 'BigCommerce credentials';
  try {
    await api.client.request('GET', '/v3/hooks', { query: { limit: 1 } });
    return { name, ok: true, detail: `the access token is accepted by store ${api.client.storeHash}` };
  } catch (err) {
    return failure(name, err, {
      401: {
        detail: 'the access token was refused',
        fix: 'create a new API account token in BigCommerce → Settings → API accounts, then update BIGCOMMERCE_ACCESS_TOKEN (or the connection)',
      },
      403: {
        detail: `the token is not valid for store ${api.client.storeHash}`,
        fix: 'check BIGCOMMERCE_STORE_HASH: it is the part after /stores/ in the API path shown with the API account',
      },
      404: {
        detail: `no store ${api.client.storeHash} at this API URL`,
        fix: 'check BIGCOMMERCE_STORE_HASH and BIGCOMMERCE_API_URL',
      },
    });
  }
}

/** One cheap probe per OAuth scope heartbridge needs (NOTES §1). */
export const BC_SCOPE_PROBES: ReadonlyArray<{ scope: string; label: string; path: string }> = [
  { scope: 'Orders (modify)', label: 'orders', path: '/v2/orders' },
  { scope: 'Products (modify)', label: 'catalog', path: '/v3/catalog/products' },
  { scope: 'Customers (modify)', label: 'customers', path: '/v3/customers' },
  { scope: 'Marketing (modify)', label: 'gift certificates', path: '/v2/gift_certificates' },
  { scope: 'Inventory (modify)', label: 'inventory', path: '/v3/inventory/items' },
  { scope: 'Information & settings (read-only)', label: 'locations', path: '/v3/inventory/locations' },
];

export async function checkBigCommerceScopes(api: BigCommerceApi): Promise<CheckResult> {
  const name = 'BigCommerce scopes';
  const missing: string[] = [];
  for (const probe of BC_SCOPE_PROBES) {
    try {
      await api.client.request('GET', probe.path, { query: { limit: 1 } });
    } catch (err) {
      const status = err instanceof HeartbridgeError ? err.upstreamStatus : undefined;
      if (status === 403) missing.push(`${probe.scope} (for ${probe.label})`);
      else return failure(name, err, {});
    }
  }
  if (missing.length === 0)
    return { name, ok: true, detail: 'the API account has every scope heartbridge needs' };
  return {
    name,
    ok: false,
    detail: `the API account lacks: ${missing.join(', ')}`,
    fix: 'edit the API account in BigCommerce → Settings → API accounts, grant those scopes, and use the new token it shows',
  };
}

export async function checkHeartlandToken(api: HeartlandApi): Promise<CheckResult> {
  const name = 'Heartland token';
  try {
    const me = await api.whoami();
    return { name, ok: true, detail: `the token works (Heartland user ${me.login ?? me.id})` };
  } catch (err) {
    return failure(name, err, {
      401: {
        detail: 'the Heartland API token was refused',
        fix: 'create a new token in Heartland → My Account → API Tokens (for a dedicated integration user), or run `heartbridge connect heartland`',
      },
      403: {
        detail: 'the Heartland user behind the token may not read its own profile',
        fix: "give the integration user's role the API permissions heartbridge needs",
      },
    });
  }
}

export async function checkBigCommerceHooks(
  api: BigCommerceApi,
  opts: Pick<InstallHooksOptions, 'publicUrl' | 'connectionId' | 'scopes'>,
): Promise<CheckResult> {
  const name = 'BigCommerce webhooks';
  try {
    const status = await hooksStatus(api, opts);
    if (status.ok)
      return {
        name,
        ok: true,
        detail: `${status.hooks.length} hooks active, pointing at ${status.destination}`,
      };
    const list = (state: HookStatus['state']) =>
      status.hooks
        .filter((h) => h.state === state)
        .map((h) => h.scope)
        .join(', ');
    const parts = [
      list('inactive') && `inactive: ${list('inactive')}`,
      list('missing') && `missing: ${list('missing')}`,
    ];
    return {
      name,
      ok: false,
      detail: parts.filter(Boolean).join('; '),
      fix: 'run `heartbridge webhooks install` (it re-activates hooks BigCommerce switched off after failed deliveries)',
    };
  } catch (err) {
    return failure(name, err, {});
  }
}

/** Compares the `Date` header of an API response with the local clock. */
export async function checkClock(
  source: string,
  probe: () => Promise<ResponseHeaders>,
  now: () => number = Date.now,
  maxSkewMs = 60_000,
): Promise<CheckResult> {
  const name = `Clock (vs ${source})`;
  try {
    const headers = await probe();
    const date = headers.get('date');
    const theirs = date ? Date.parse(date) : Number.NaN;
    if (Number.isNaN(theirs))
      return { name, ok: true, detail: `${source} sent no usable Date header; not checked` };
    const skewS = Math.round((now() - theirs) / 1000);
    if (Math.abs(skewS * 1000) <= maxSkewMs)
      return { name, ok: true, detail: `local clock within ${Math.abs(skewS)} s of ${source}` };
    return {
      name,
      ok: false,
      detail: `local clock is ${Math.abs(skewS)} s ${skewS > 0 ? 'ahead of' : 'behind'} ${source}`,
      fix: 'enable time synchronisation (NTP / systemd-timesyncd / chrony) on this machine: webhook signatures and poll windows depend on it',
    };
  } catch (err) {
    return failure(name, err, {});
  }
}

export function bigCommerceClockProbe(api: BigCommerceApi): () => Promise<ResponseHeaders> {
  return async () => (await api.client.request('GET', '/v3/hooks', { query: { limit: 1 } })).headers;
}

export function heartlandClockProbe(api: HeartlandApi): () => Promise<ResponseHeaders> {
  return async () => (await api.client.request('GET', '/system/whoami')).headers;
}

function failure(
  name: string,
  err: unknown,
  byStatus: Record<number, { detail: string; fix: string }>,
): CheckResult {
  if (err instanceof HeartbridgeError) {
    const known = err.upstreamStatus !== undefined ? byStatus[err.upstreamStatus] : undefined;
    if (known) return { name, ok: false, ...known };
    if (/TIMEOUT|NETWORK/.test(err.code)) {
      return {
        name,
        ok: false,
        detail: 'the API could not be reached',
        fix: err.suggestedFix ?? 'check the network and the API URL',
      };
    }
    return { name, ok: false, detail: err.message, fix: err.suggestedFix };
  }
  return { name, ok: false, detail: `unexpected error: ${err instanceof Error ? err.message : String(err)}` };
}
