/**
 * Hostile bytes on a real socket: the cases `inject()` cannot express (chunked garbage, lying
 * Content-Length, smuggling-shaped headers, oversized headers, binary noise). Each gets a 4xx or a closed
 * connection — never a 5xx — and the server keeps answering afterwards.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, SECRETS } from './hostile-harness.js';
import { bcEnvelope } from './http-cases.js';

let h: Harness;
let port = 0;

beforeAll(async () => {
  h = await createHarness({ dialect: 'sqlite' });
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const addr = h.app.server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;
});
afterAll(async () => {
  await h?.close();
});

/** Writes raw bytes, half-closes, and returns everything the server sent until it closed (or 3 s). */
function raw(bytes: Buffer | string, opts: { end?: boolean } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    const timer = setTimeout(done, 3_000);
    socket.on('data', (c) => chunks.push(c));
    socket.on('end', done);
    socket.on('error', done);
    socket.on('close', done);
    socket.write(bytes, () => {
      if (opts.end !== false) socket.end();
    });
  });
}

const statuses = (text: string) => [...text.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1]));
const head = (path: string, extra: string[]) =>
  [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', `X-Heartbridge-Secret: ${SECRETS.bcHeader}`, ...extra].join(
    '\r\n',
  );
const BC = '/webhooks/bigcommerce/main';

const cases: Array<{ name: string; bytes: string | Buffer; want: number[] | 'closed-or-4xx' }> = [
  {
    name: 'chunked garbage (bad chunk size)',
    bytes: `${head(BC, ['Content-Type: application/json', 'Transfer-Encoding: chunked'])}\r\n\r\nzz\r\ngarbage\r\n0\r\n\r\n`,
    want: [400],
  },
  {
    name: 'chunked: chunk longer than announced',
    bytes: `${head(BC, ['Content-Type: application/json', 'Transfer-Encoding: chunked'])}\r\n\r\n2\r\n{"scope":1}\r\n0\r\n\r\n`,
    want: [400],
  },
  {
    name: 'chunked: stream ends mid-chunk',
    bytes: `${head(BC, ['Content-Type: application/json', 'Transfer-Encoding: chunked'])}\r\n\r\nff\r\n{"scope":`,
    want: 'closed-or-4xx',
  },
  {
    name: 'chunked body over the limit',
    bytes: `${head(BC, ['Content-Type: application/json', 'Transfer-Encoding: chunked'])}\r\n\r\n${`4000\r\n${'x'.repeat(0x4000)}\r\n`.repeat(20)}0\r\n\r\n`,
    want: [413],
  },
  {
    name: 'Content-Length larger than the body, then EOF',
    bytes: `${head(BC, ['Content-Type: application/json', 'Content-Length: 5000'])}\r\n\r\n{"scope":"x"}`,
    want: 'closed-or-4xx',
  },
  {
    name: 'Content-Length smaller than the body (rest is a garbage request)',
    bytes: `${head(BC, ['Content-Type: application/json', 'Content-Length: 10'])}\r\n\r\n${JSON.stringify(bcEnvelope())}`,
    want: [400],
  },
  {
    name: 'Content-Length and Transfer-Encoding together (smuggling shape)',
    bytes: `${head(BC, ['Content-Type: application/json', 'Content-Length: 4', 'Transfer-Encoding: chunked'])}\r\n\r\n0\r\n\r\n`,
    want: [400],
  },
  {
    name: 'two different Content-Length headers',
    bytes: `${head(BC, ['Content-Type: application/json', 'Content-Length: 2', 'Content-Length: 3'])}\r\n\r\n{}`,
    want: [400],
  },
  {
    name: 'negative Content-Length',
    bytes: `${head(BC, ['Content-Type: application/json', 'Content-Length: -1'])}\r\n\r\n{}`,
    want: [400],
  },
  {
    name: 'non-numeric Content-Length',
    bytes: `${head(BC, ['Content-Type: application/json', 'Content-Length: abc'])}\r\n\r\n{}`,
    want: [400],
  },
  {
    name: 'header line without a colon',
    bytes: `${head(BC, ['Content-Type: application/json', 'this is not a header'])}\r\n\r\n`,
    want: [400],
  },
  {
    name: '64 KB header',
    bytes: `${head(BC, [`X-Big: ${'a'.repeat(64 * 1024)}`])}\r\n\r\n`,
    want: [431, 400],
  },
  { name: 'garbage request line', bytes: 'GARBAGE\r\n\r\n', want: [400] },
  {
    name: '4 KB of binary noise',
    bytes: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)),
    want: [400],
  },
  {
    name: 'NUL in the request path',
    bytes: 'GET /healthz\u0000/x HTTP/1.1\r\nHost: a\r\n\r\n',
    want: [400],
  },
];

describe('hostile bytes on a listening socket', () => {
  for (const c of cases) {
    it(`${c.name}: ${c.want === 'closed-or-4xx' ? 'a 4xx or a closed connection' : c.want.join('|')}, never 5xx`, async () => {
      const answer = await raw(c.bytes);
      const got = statuses(answer);
      expect(got.filter((s) => s >= 500)).toEqual([]);
      if (c.want === 'closed-or-4xx') expect(got.every((s) => s >= 400 && s < 500)).toBe(true);
      else expect(c.want).toContain(got[0]);
      expect(answer).not.toContain(SECRETS.bcHeader);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
    });
  }

  it('still accepts a valid delivery sent in chunks after all of that', async () => {
    const body = JSON.stringify(bcEnvelope(31337));
    const chunks = [body.slice(0, 10), body.slice(10, 50), body.slice(50)]
      .map((part) => `${Buffer.byteLength(part).toString(16)}\r\n${part}\r\n`)
      .join('');
    // No half-close: Node aborts a request whose client ends its side before the answer (the fsync'd
    // inbox write is async), so `Connection: close` lets the server close once it has answered.
    const answer = await raw(
      `${head(BC, ['Content-Type: application/json', 'Transfer-Encoding: chunked', 'Connection: close'])}\r\n\r\n${chunks}0\r\n\r\n`,
      { end: false },
    );
    expect(statuses(answer)).toEqual([200]);
    expect(answer).toContain('"accepted"');
  });

  it('socket-level parse errors answer the one error shape with a reason, then close', async () => {
    const tooBig = `${head(BC, [`X-Big: ${'a'.repeat(64 * 1024)}`])}\r\n\r\n`;
    for (const [bytes, status, code] of [
      ['GARBAGE\r\n\r\n', 400, 'HB_ERR_HTTP_BAD_REQUEST'],
      [tooBig, 431, 'HB_ERR_HTTP_HEADERS_TOO_LARGE'],
    ] as const) {
      const answer = await raw(bytes, { end: false });
      expect(statuses(answer)).toEqual([status]);
      const json = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
      expect(Object.keys(json).sort()).toEqual(['code', 'error', 'message', 'statusCode']);
      expect(json).toMatchObject({ statusCode: status, code });
      expect(String(json.message).length).toBeGreaterThan(5);
    }
  });
});
