/**
 * A write the transport gave up on must not reach the server later (src/connectors/shared/reset-on-abort.ts).
 *
 * The server here is busy: it accepts the connection but reads nothing for a while, so most of a 1 MB
 * request waits in the client's kernel when the client's timeout fires — the situation of a request
 * queued behind an overloaded server's accept queue. Closed politely, the kernel would still deliver
 * all of it once the server reads (measured: 1,000,091 of 1,000,091 bytes); reset, the server gets only
 * what its own kernel had already taken, so it never sees a whole request.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { sendHttpUndici, TransportError } from '../../src/connectors/shared/http-transport.js';

const servers: Array<Server | HttpServer> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    if ('closeAllConnections' in s) s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function listen<S extends Server | HttpServer>(server: S): Promise<string> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('the default transport resets a connection it abandons', () => {
  it('a timed-out POST never arrives whole at a server that reads it late', async () => {
    const received = { bytes: 0 };
    const busy = createServer({ pauseOnConnect: true }, (socket: Socket) => {
      socket.on('data', (chunk: Buffer) => {
        received.bytes += chunk.length;
      });
      socket.on('error', () => {}); // the reset, when the kernel reports it
      // Busy for a second, then reads whatever the kernel delivers.
      setTimeout(() => socket.resume(), 1_000);
    });
    const base = await listen(busy);
    const body = { payment: 'x'.repeat(1_000_000) };
    const requestBytes = JSON.stringify(body).length;

    const outcome = await sendHttpUndici({
      method: 'POST',
      url: `${base}/sales/orders/1/payments`,
      headers: {},
      body,
      timeoutMs: 300,
    }).catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(TransportError);
    expect((outcome as TransportError).kind).toBe('timeout');

    await new Promise((r) => setTimeout(r, 1_800));
    // The body alone is larger than what arrived: the server cannot have read a complete request.
    expect(received.bytes).toBeGreaterThan(0);
    expect(received.bytes).toBeLessThan(requestBytes);
  });

  it('keeps answered connections alive for the next request', async () => {
    let connections = 0;
    const server = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    server.on('connection', () => {
      connections++;
    });
    const base = await listen(server);
    for (let i = 0; i < 3; i++) {
      const res = await sendHttpUndici({
        method: 'GET',
        url: `${base}/items`,
        headers: {},
        timeoutMs: 2_000,
      });
      expect(res.body).toEqual({ ok: true });
      // undici reuses a socket one event-loop turn after its answer (client-h1.js).
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(connections).toBe(1);
  });
});

describe('the read after an unanswered write goes over a new connection', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.disconnect();
    child = undefined;
  });

  it('sees a write still queued at a busy server; a kept-alive read does not', async () => {
    child = fork(fileURLToPath(new URL('./helpers/busy-server.mjs', import.meta.url)));
    const port = await new Promise<number>((resolve) => {
      child?.once('message', (m) => resolve((m as { port: number }).port));
    });
    const base = `http://127.0.0.1:${port}`;
    const read = (newConnection: boolean) =>
      sendHttpUndici({
        method: 'GET',
        url: `${base}/orders/1`,
        headers: {},
        timeoutMs: 10_000,
        newConnection,
      });
    const busyWhileWriting = async () => {
      child?.send({ blockMs: 1_500 });
      await new Promise((r) => setTimeout(r, 100));
      // The write opens a connection the busy server has not accepted; the client gives up on it.
      const write = await sendHttpUndici({
        method: 'POST',
        url: `${base}/orders/1/payments`,
        headers: {},
        body: { amount: '10.00' },
        timeoutMs: 300,
        newConnection: true,
      }).catch((e: unknown) => e);
      expect(write).toBeInstanceOf(TransportError);
    };

    await read(false); // a kept-alive connection, accepted before the server got busy

    await busyWhileWriting();
    const keptAlive = await read(false);
    expect(keptAlive.body).toEqual({ writes: 0 }); // answered before the queued write ran: "not there"

    await busyWhileWriting();
    const fresh = await read(true);
    expect(fresh.body).toEqual({ writes: 2 }); // accepted after the queued write: it sees both
  });
});
