/**
 * `heartbridge connect heartland`: the interactive OAuth dance, with a one-shot local callback server.
 *
 * 1. Start an HTTP server on 127.0.0.1 (port 0 = a free port unless one is given; the registered
 *    redirect URI must match, so production setups usually pin a port).
 * 2. Print the authorize URL (via `onAuthorizeUrl`); the merchant approves in a browser.
 * 3. The callback checks `state` (constant time), exchanges the code, hands the token to `storeToken`
 *    (which encrypts and saves it) and answers the browser with a plain page. The token is never printed.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { secretsEqual } from '../shared/secret-compare.js';
import { authorizeUrl, exchangeCode, type HeartlandOAuthConfig, type HeartlandToken } from './oauth.js';

export interface ConnectHeartlandOptions extends Omit<HeartlandOAuthConfig, 'redirectUri'> {
  /** Port for the callback (default 0: any free port). */
  port?: number;
  /** Callback path (default `/oauth/heartland/callback`). */
  callbackPath?: string;
  /** Shows the URL to the user (CLI prints it). */
  onAuthorizeUrl: (url: string) => void;
  /** Persists the token (encrypted at rest by the caller). */
  storeToken: (token: HeartlandToken) => Promise<void>;
  /** Give up after this long (default 10 min). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ConnectResult {
  scope: string;
  redirectUri: string;
}

export async function connectHeartland(opts: ConnectHeartlandOptions): Promise<ConnectResult> {
  const state = randomBytes(24).toString('base64url');
  const path = opts.callbackPath ?? '/oauth/heartland/callback';
  let settle!: { resolve: (r: ConnectResult) => void; reject: (e: Error) => void };
  const done = new Promise<ConnectResult>((resolve, reject) => {
    settle = { resolve, reject };
  });
  let redirectUri = '';
  let handled = false;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== path) {
      res.writeHead(404).end('Not found');
      return;
    }
    const answer = (status: number, text: string) =>
      res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
    if (handled)
      return answer(409, 'This connection attempt is already finished. You can close this window.');
    const error = url.searchParams.get('error');
    if (error) {
      handled = true;
      answer(400, 'Heartland did not authorise heartbridge. You can close this window.');
      return settle.reject(new Error(`Heartland authorisation was refused (${error})`));
    }
    if (!secretsEqual(url.searchParams.get('state'), state)) {
      // Not ours (stale tab, forged request): refuse without ending the attempt.
      return answer(400, 'This link does not belong to the current connection attempt.');
    }
    const code = url.searchParams.get('code');
    if (!code) return answer(400, 'The callback has no authorisation code.');
    handled = true;
    exchangeCode({ ...opts, redirectUri }, code)
      .then(async (token) => {
        await opts.storeToken(token);
        answer(200, 'heartbridge is connected to Heartland. You can close this window.');
        settle.resolve({ scope: token.scope, redirectUri });
      })
      .catch((err: unknown) => {
        answer(502, 'Exchanging the code with Heartland failed; see the terminal.');
        settle.reject(err instanceof Error ? err : new Error(String(err)));
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  redirectUri = `http://127.0.0.1:${port}${path}`;

  const timer = setTimeout(
    () => settle.reject(new Error('Timed out waiting for the Heartland authorisation')),
    opts.timeoutMs ?? 600_000,
  );
  const onAbort = () => settle.reject(new Error('Connection attempt cancelled'));
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    opts.onAuthorizeUrl(authorizeUrl({ ...opts, redirectUri }, state));
    return await done;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
