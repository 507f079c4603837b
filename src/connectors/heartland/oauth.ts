/**
 * Heartland OAuth 2.0 authorization-code flow (NOTES §2). Step 1 is documented: redirect the merchant to
 * `https://retail.heartland.us/oauth/authorize` with client_id, scope (space-separated), redirect_uri and
 * state. Step 2 is not: one source [C1] exchanges the code at `/api/oauth/token` with GET query
 * parameters, so that is the default, with a POST form as a switch. Refresh and expiry are [UNKNOWN].
 */
import { z } from 'zod';
import { PermanentError } from '../../engine/errors.js';
import { type FetchLike, sendHttp, TransportError } from '../shared/http-transport.js';
import { heartlandError } from './errors.js';

export const HEARTLAND_OAUTH_BASE = 'https://retail.heartland.us';

export interface HeartlandOAuthConfig {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** Space-separated in the URL, e.g. ['item.manage', 'customer.manage', 'sales.order.manage']. */
  scopes: readonly string[];
  /** Account-less host for `/oauth/authorize` and `/api/oauth/token` (the sandbox's origin in tests). */
  baseUrl?: string;
  /** How the code is exchanged: GET query (default, [C1]) or POST form. */
  tokenMethod?: 'GET' | 'POST';
  fetch?: FetchLike;
  timeoutMs?: number;
}

export interface HeartlandToken {
  accessToken: string;
  tokenType: string;
  scope: string;
}

export function authorizeUrl(cfg: HeartlandOAuthConfig, state: string): string {
  const url = new URL('/oauth/authorize', cfg.baseUrl ?? HEARTLAND_OAUTH_BASE);
  url.searchParams.set('client_id', cfg.clientId);
  url.searchParams.set('scope', cfg.scopes.join(' '));
  url.searchParams.set('redirect_uri', cfg.redirectUri);
  url.searchParams.set('state', state);
  return url.toString();
}

const tokenResponse = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().default('bearer'),
  scope: z.string().default(''),
});

export async function exchangeCode(cfg: HeartlandOAuthConfig, code: string): Promise<HeartlandToken> {
  const params = {
    client_id: cfg.clientId,
    client_secret: cfg.clientSecret,
    code,
    grant_type: 'authorization_code',
    redirect_uri: cfg.redirectUri,
  };
  const url = new URL('/api/oauth/token', cfg.baseUrl ?? HEARTLAND_OAUTH_BASE);
  const method = cfg.tokenMethod ?? 'GET';
  if (method === 'GET') for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const path = '/api/oauth/token';
  const fetchFn = cfg.fetch ?? ((input: string, init: RequestInit) => fetch(input, init));
  let res: Awaited<ReturnType<typeof sendHttp>>;
  try {
    res = await sendHttp(fetchFn, {
      method,
      url: url.toString(),
      headers: { Accept: 'application/json' },
      form: method === 'POST' ? params : undefined,
      timeoutMs: cfg.timeoutMs ?? 30_000,
    });
  } catch (err) {
    if (err instanceof TransportError)
      throw heartlandError({ kind: 'transport', error: err }, { method, path });
    throw err;
  }
  if (res.status < 200 || res.status >= 300)
    throw heartlandError({ kind: 'response', response: res }, { method, path });
  const parsed = tokenResponse.safeParse(res.body);
  if (!parsed.success) {
    throw new PermanentError({
      code: 'HB_ERR_HL_BAD_RESPONSE',
      message: 'Heartland token endpoint answered without an access_token',
      context: { method, path },
    });
  }
  return {
    accessToken: parsed.data.access_token,
    tokenType: parsed.data.token_type,
    scope: parsed.data.scope,
  };
}
