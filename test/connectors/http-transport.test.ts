/**
 * The default transport (undici `request`): what the clients above it rely on — a timeout or a dead
 * host is a TransportError of the right kind (an unknown-outcome write is handled on that), headers
 * arrive as a `Headers`, redirects are not followed, and bodies are sent as JSON.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendHttpUndici, TransportError } from '../../src/connectors/shared/http-transport.js';

let server: Server;
let base = '';
const seen: { method?: string; body: string; contentType?: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({ method: req.method, body, contentType: req.headers['content-type'] });
      if (req.url === '/hang') return; // never answers
      if (req.url === '/redirect') {
        res.writeHead(302, { location: '/elsewhere' }).end();
        return;
      }
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.setHeader('x-rate-limit-requests-left', '7');
      res.writeHead(201, { 'content-type': 'application/json' }).end('{"id": 12345678901234567890}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('sendHttpUndici', () => {
  it('sends JSON, returns status, headers and a lossless body', async () => {
    const res = await sendHttpUndici({
      method: 'POST',
      url: `${base}/things`,
      headers: { Accept: 'application/json' },
      body: { name: 'Ø' },
      timeoutMs: 5_000,
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-rate-limit-requests-left')).toBe('7');
    expect(res.headers.get('set-cookie')).toContain('a=1');
    expect(res.text).toContain('12345678901234567890');
    expect(seen.at(-1)).toMatchObject({
      method: 'POST',
      body: '{"name":"Ø"}',
      contentType: 'application/json',
    });
  });

  it('does not follow redirects', async () => {
    const res = await sendHttpUndici({
      method: 'GET',
      url: `${base}/redirect`,
      headers: {},
      timeoutMs: 5_000,
    });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/elsewhere');
  });

  it('a server that never answers is a timeout', async () => {
    const err = await sendHttpUndici({
      method: 'POST',
      url: `${base}/hang`,
      headers: {},
      body: {},
      timeoutMs: 200,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).kind).toBe('timeout');
    expect((err as Error).message).toMatch(/timed out after 200 ms/);
  });

  it('a closed port is a network error naming the cause, without the query string', async () => {
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise((r) => dead.close(r));
    const err = await sendHttpUndici({
      method: 'GET',
      url: `http://127.0.0.1:${port}/x?code=secret`,
      headers: {},
      timeoutMs: 2_000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).kind).toBe('network');
    expect((err as Error).message).toContain('ECONNREFUSED');
    expect((err as Error).message).not.toContain('secret');
  });
});
