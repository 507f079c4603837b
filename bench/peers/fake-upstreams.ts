/**
 * Two tiny stand-ins for the BigCommerce and Heartland simulators, used by the peer benchmark when
 * `src/sandbox` is not there yet (or with `--fake`). They answer only the four calls the order flow
 * makes, check the auth headers, can add a fixed latency, and keep the Heartland sales orders in
 * memory so the loss/duplicate count can be read from "Heartland's own state".
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { prng } from './webhook-sender.js';

export interface FakeSalesOrder {
  id: number;
  status: string;
  source_location_id: unknown;
  custom: Record<string, unknown>;
  lines: unknown[];
}

export interface FakeFaults {
  /** Fixed extra latency on every call. */
  latencyMs?: number;
  /** Share of calls answered 503 without running the handler. */
  errorRate?: number;
  /** Share of Heartland creates that commit, then lose their answer (socket destroyed). */
  commitThenTimeoutRate?: number;
}

export interface FakeUpstreams {
  bigcommerce: { apiUrl: string; storeHash: string; accessToken: string };
  heartland: { apiUrl: string; token: string; locationId: number };
  /** Heartland sales orders created so far, in creation order. */
  salesOrders: FakeSalesOrder[];
  setFaults(faults: FakeFaults): void;
  close(): Promise<void>;
}

const STORE_HASH = 'peerstore';
const BC_TOKEN = 'bc-peer-token';
const HL_TOKEN = 'hl-peer-token';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function bcOrder(id: number): Record<string, unknown> {
  return {
    id,
    status_id: 11,
    status: 'Awaiting Fulfillment',
    customer_id: 0,
    currency_code: 'USD',
    total_inc_tax: '21.6500',
    date_created: new Date(0).toUTCString(),
    products: {
      url: `https://api.bigcommerce.com/stores/${STORE_HASH}/v2/orders/${id}/products`,
      resource: '',
    },
  };
}

function bcProducts(id: number): Record<string, unknown>[] {
  return [
    { id: id * 10 + 1, order_id: id, sku: `SKU-${id % 7}`, quantity: 1, price_inc_tax: '10.8250' },
    { id: id * 10 + 2, order_id: id, sku: 'SKU-X', quantity: 2, price_inc_tax: '5.4125' },
  ];
}

export async function startFakeUpstreams(): Promise<FakeUpstreams> {
  let faults: FakeFaults = {};
  const random = prng(11);
  const delay = (): Promise<void> =>
    faults.latencyMs ? new Promise((r) => setTimeout(r, faults.latencyMs)) : Promise.resolve();
  /** Latency, then maybe an injected 503; true = the handler must not run. */
  const injected = async (res: ServerResponse): Promise<boolean> => {
    await delay();
    if (faults.errorRate && random() < faults.errorRate) {
      json(res, 503, { error: 'injected' });
      return true;
    }
    return false;
  };
  const salesOrders: FakeSalesOrder[] = [];
  const byId = new Map<number, FakeSalesOrder>();

  const bc = createServer(async (req, res) => {
    if (await injected(res)) return;
    if (req.headers['x-auth-token'] !== BC_TOKEN)
      return json(res, 401, [{ status: 401, message: 'no token' }]);
    const m = /^\/stores\/([^/]+)\/v2\/orders\/(\d+)(\/products)?$/.exec(req.url ?? '');
    if (req.method !== 'GET' || !m || m[1] !== STORE_HASH) return json(res, 404, [{ status: 404 }]);
    const id = Number(m[2]);
    json(res, 200, m[3] ? bcProducts(id) : bcOrder(id));
  });

  const hl = createServer(async (req, res) => {
    const body = await readBody(req);
    if (await injected(res)) return;
    if (req.headers.authorization !== `Bearer ${HL_TOKEN}`) return json(res, 401, { error: 'unauthorized' });
    const url = req.url ?? '';
    if (req.method === 'POST' && url === '/api/sales/orders') {
      const input = JSON.parse(body) as Partial<FakeSalesOrder>;
      const order: FakeSalesOrder = {
        id: 100000 + salesOrders.length + 1,
        status: input.status ?? 'pending',
        source_location_id: input.source_location_id,
        custom: input.custom ?? {},
        lines: input.lines ?? [],
      };
      salesOrders.push(order);
      byId.set(order.id, order);
      if (faults.commitThenTimeoutRate && random() < faults.commitThenTimeoutRate) {
        setTimeout(() => req.socket.destroy(), 50);
        return;
      }
      res.writeHead(201, { location: `/api/sales/orders/${order.id}`, 'content-length': 0 });
      return res.end();
    }
    const m = /^\/api\/sales\/orders\/(\d+)$/.exec(url);
    const order = m ? byId.get(Number(m[1])) : undefined;
    if (req.method === 'PUT' && order) {
      const patch = JSON.parse(body) as { status?: string };
      if (patch.status) order.status = patch.status;
      return json(res, 200, order);
    }
    json(res, 404, { error: 'not_found' });
  });

  const [bcUrl, hlUrl] = await Promise.all([listen(bc), listen(hl)]);
  return {
    bigcommerce: { apiUrl: bcUrl, storeHash: STORE_HASH, accessToken: BC_TOKEN },
    heartland: { apiUrl: `${hlUrl}/api`, token: HL_TOKEN, locationId: 100001 },
    salesOrders,
    setFaults(next) {
      faults = { ...next };
    },
    async close() {
      for (const s of [bc, hl]) {
        s.closeAllConnections();
        s.close();
      }
    },
  };
}
