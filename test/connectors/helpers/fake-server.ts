/**
 * A tiny scripted HTTP server on 127.0.0.1:0 for connector tests. Routes are plain Fastify handlers;
 * every request is recorded so tests can check what the client sent.
 */
import Fastify, { type FastifyInstance } from 'fastify';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface FakeServer {
  app: FastifyInstance;
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startFakeServer(register: (app: FastifyInstance) => void): Promise<FakeServer> {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const requests: RecordedRequest[] = [];
  app.addHook('preHandler', async (req) => {
    requests.push({ method: req.method, url: req.url, headers: req.headers, body: req.body });
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
  register(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { app, url: `http://127.0.0.1:${port}`, requests, close: () => app.close() };
}
