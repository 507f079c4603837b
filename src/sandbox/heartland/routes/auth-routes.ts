/**
 * Authentication surface: bearer-token check for `/api/*`, `GET /api/system/whoami`, `GET
 * /api/system/host`, and the OAuth 2.0 authorization-code endpoints (NOTES §2). `/oauth/authorize`
 * auto-approves (there is no user to click "Allow") and redirects with `code` and `state`.
 * `/api/oauth/token` accepts the parameters as GET query (what S12 does) or as a POST form/JSON body,
 * since the real method is [C1]. Refresh tokens and expiry are [UNKNOWN]: issued tokens never expire.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HlHttpError } from '../hl-errors.js';
import type { HlContext } from '../hl-http.js';

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

export interface AuthState {
  tokens: Map<string, { scope: string; clientId: string | null }>;
  codes: Map<string, { clientId: string; redirectUri: string | null; scope: string; used: boolean }>;
}

/** JWT-shaped like the tokens seen in public code (three base64url parts); the content is opaque. */
export function makeToken(seed: string): string {
  const part = (s: string) => Buffer.from(s).toString('base64url');
  const sig = createHash('sha256').update(seed).digest('base64url');
  return `${part('{"alg":"HS256","typ":"JWT"}')}.${part(JSON.stringify({ sub: seed }))}.${sig}`;
}

function bearer(request: FastifyRequest): string | null {
  const h = request.headers.authorization;
  if (typeof h !== 'string') return null;
  const m = /^Bearer\s+(.+)$/i.exec(h.trim());
  return m ? (m[1] as string) : null;
}

function params(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  const q = request.url.indexOf('?');
  if (q !== -1) for (const [k, v] of new URLSearchParams(request.url.slice(q + 1))) out[k] = v;
  const body = request.body;
  if (body && typeof body === 'object') {
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
      if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
    }
  }
  return out;
}

export function registerAuthRoutes(
  app: FastifyInstance,
  ctx: HlContext,
  auth: AuthState,
  client: OAuthClient,
) {
  let codeCounter = 0;

  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0] ?? '';
    if (!path.startsWith('/api/') || path === '/api/oauth/token') return;
    const token = bearer(request);
    if (!token || !auth.tokens.has(token)) {
      throw new HlHttpError(401, 'unauthorized', 'Authentication required', {});
    }
  });

  app.get('/api/system/whoami', async (request) => {
    const info = auth.tokens.get(bearer(request) ?? '');
    return {
      id: 100001,
      login: 'api-integration',
      first_name: 'API',
      last_name: 'Integration',
      email: 'api-integration@example.com',
      'active?': true,
      scope: info?.scope ?? null,
    };
  });

  app.get('/api/system/host', async () => {
    // S12 only: returns the account's host so an OAuth app can build the API base.
    return { host: new URL(ctx.apiBase()).host, url: ctx.apiBase() };
  });

  app.get('/oauth/authorize', async (request, reply) => {
    const p = params(request);
    if (p.client_id !== client.clientId) {
      throw new HlHttpError(400, 'invalid_client', 'Unknown client_id', { client_id: ['is not registered'] });
    }
    if (!p.scope)
      throw new HlHttpError(400, 'invalid_scope', 'scope is required', { scope: ["can't be blank"] });
    if (!p.redirect_uri) {
      throw new HlHttpError(400, 'invalid_request', 'redirect_uri is required', {
        redirect_uri: ["can't be blank"],
      });
    }
    codeCounter += 1;
    const code = createHash('sha256').update(`${client.clientId}:${codeCounter}:${p.scope}`).digest('hex');
    auth.codes.set(code, { clientId: p.client_id, redirectUri: p.redirect_uri, scope: p.scope, used: false });
    const target = new URL(p.redirect_uri);
    target.searchParams.set('code', code);
    if (p.state !== undefined) target.searchParams.set('state', p.state);
    return reply.redirect(target.toString(), 302);
  });

  const exchange = async (request: FastifyRequest) => {
    const p = params(request);
    if (p.grant_type !== 'authorization_code') {
      throw new HlHttpError(400, 'unsupported_grant_type', 'grant_type must be authorization_code', {});
    }
    if (p.client_id !== client.clientId || p.client_secret !== client.clientSecret) {
      throw new HlHttpError(401, 'invalid_client', 'Client authentication failed', {});
    }
    const grant = auth.codes.get(p.code ?? '');
    if (!grant || grant.used || grant.clientId !== p.client_id) {
      throw new HlHttpError(
        400,
        'invalid_grant',
        'The authorization code is invalid or was already used',
        {},
      );
    }
    if (grant.redirectUri !== null && p.redirect_uri !== grant.redirectUri) {
      throw new HlHttpError(
        400,
        'invalid_grant',
        'redirect_uri does not match the authorization request',
        {},
      );
    }
    grant.used = true;
    const accessToken = makeToken(`oauth:${p.code}`);
    auth.tokens.set(accessToken, { scope: grant.scope, clientId: grant.clientId });
    return { access_token: accessToken, token_type: 'bearer', scope: grant.scope };
  };
  app.get('/api/oauth/token', exchange);
  app.post('/api/oauth/token', exchange);
}
