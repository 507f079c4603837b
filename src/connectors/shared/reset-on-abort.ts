/**
 * The HTTP agent behind the default transport: undici's, except that a connection we give up on is
 * reset (TCP RST), not closed politely (FIN).
 *
 * Why: when a request times out, undici destroys its socket. A plain destroy closes the socket with a
 * FIN *after* whatever the kernel still holds to send — so a request we abandoned (and will retry after
 * reading first) can still reach the server much later. That happens when the server's accept queue
 * overflowed (a full chaos run counted 45,620 `ListenOverflows` on this machine): the server drops our
 * handshake's last ACK, our side believes it is connected and queues the request, and the kernel keeps
 * retransmitting it on TCP's back-off (1, 2, 4 … 32 s) until the server finally accepts — writes were
 * measured landing 36, 43 and 73 s after they were sent, after their retry had written them already
 * (payments recorded twice). A reset discards the unsent bytes and tells the server to drop the half-open
 * connection, so an abandoned write can no longer land late by this path.
 *
 * What it cannot stop: a request whose connection already completed its handshake and waits in the
 * server's accept queue. The server's kernel holds it, and the server reads it when it accepts, reset or
 * not — measured up to ~100 s under overload (bench/results/chaos-full-postgres-2026-11-28-reset.md),
 * past the write-settle wait (write-settle.ts). For that path the read after an unanswered write goes over
 * a new connection ({@link freshConnectionFor}); the orders flow's late-write check finds what lands anyway.
 * TLS sockets are closed as before: over TLS the request is only sent after the server answered the
 * handshake, so no request waits in our kernel for an accept (and `resetAndDestroy` is for plain TCP only).
 */
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { Agent, buildConnector, Client } from 'undici';

/** Makes `socket.destroy(err)` — undici's way of abandoning a connection — send a reset. */
export function resetWhenAbandoned(socket: Socket): Socket {
  if (socket instanceof TLSSocket) return socket;
  const destroy = socket.destroy.bind(socket);
  // An instance override, not a subclass: undici's connector creates the socket. `resetAndDestroy`
  // itself ends in `destroy()` without an error, which takes the plain path below.
  socket.destroy = (error?: Error) => {
    if (error && !socket.destroyed && !socket.connecting) return socket.resetAndDestroy();
    return destroy(error);
  };
  return socket;
}

const connect = buildConnector({});

/**
 * undici's connector with {@link resetWhenAbandoned} applied to every connection it opens. One for the
 * process: the keep-alive agent and the one-request connections share its TLS session cache.
 */
const resettingConnector: buildConnector.connector = (opts, callback) =>
  connect(opts, (err, socket) => {
    if (err || !socket) callback(err ?? new Error('connect failed'), null);
    else callback(null, resetWhenAbandoned(socket));
  });

/** The agent the default transport sends through (keep-alive, as undici's global one). */
export const resettingAgent = new Agent({ connect: resettingConnector });

/**
 * A one-request connection to `url`'s origin (the caller closes it after the answer).
 *
 * Why: what a reset cannot stop is a request of ours still waiting in the server's accept queue. That queue
 * is first in, first out, so a request sent over a NEW connection is accepted after it — and a server that
 * handles requests in the order it reads them has run the waiting write before it answers this read. The
 * read that decides whether an unanswered write must be sent again goes this way; over a kept-alive
 * connection it skips the queue and can answer "not there" while the write is still waiting in it (test:
 * test/connectors/reset-on-abort.test.ts). Behind a load balancer this narrows the window, not closes it;
 * the late-write check stays.
 */
export function freshConnectionFor(url: string): Client {
  return new Client(new URL(url).origin, { connect: resettingConnector, pipelining: 1 });
}
