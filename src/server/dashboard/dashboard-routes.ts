/**
 * The dashboard: one static HTML page, one stylesheet and one vanilla script, served at `/dashboard`.
 * The page holds no data; everything it shows comes from the admin API with the token the operator
 * pastes in (kept in sessionStorage), so the same `adminAuth` guards both.
 *
 * Defence in depth against hostile strings in payloads (a product named `<img onerror=…>`): the script
 * only ever writes text (textContent, never innerHTML), and the Content-Security-Policy forbids inline
 * and foreign scripts, so even a slip could not execute injected markup.
 *
 * The assets are plain files next to this module (no build step). `npm run build` must copy
 * `src/server/dashboard/assets/` to `dist/server/dashboard/assets/` for an installed package.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { HttpError } from '../http-errors.js';

const ASSETS = new URL('./assets/', import.meta.url);

const FILES = {
  'index.html': 'text/html; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
} as const;
type AssetName = keyof typeof FILES;

export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function load(): Map<AssetName, Buffer> | null {
  try {
    return new Map(
      (Object.keys(FILES) as AssetName[]).map((name) => [name, readFileSync(new URL(name, ASSETS))]),
    );
  } catch {
    return null;
  }
}

export function registerDashboard(server: FastifyInstance): void {
  // Read once at start: the files are small and never change while running.
  const assets = load();
  const send = (reply: FastifyReply, name: AssetName) => {
    const body = assets?.get(name);
    if (!body)
      throw new HttpError(
        'HB_ERR_HTTP_NOT_FOUND',
        'dashboard assets are missing from this build (copy src/server/dashboard/assets to dist/server/dashboard/assets)',
      );
    return reply
      .header('content-type', FILES[name])
      .header('content-security-policy', DASHBOARD_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-cache')
      .send(body);
  };
  server.get('/dashboard', (_request, reply) => send(reply, 'index.html'));
  server.get('/dashboard/', (_request, reply) => send(reply, 'index.html'));
  server.get('/dashboard/dashboard.js', (_request, reply) => send(reply, 'dashboard.js'));
  server.get('/dashboard/dashboard.css', (_request, reply) => send(reply, 'dashboard.css'));
}
