/**
 * The sandbox for the inventory benchmark, in its own process so its CPU and memory are not counted as
 * ours. Prints one JSON line with the credentials and a control URL, then serves:
 *   POST /perturb          every BigCommerce level + 1000 (so a full sync has everything to write)
 *   POST /changes?n=&seed= n random Heartland stock changes (ledger rows, like in-store sales / restocks)
 *   GET  /stats            BigCommerce requests received and absolute adjustment calls
 * argv: products locations rateLimit(off|standard|<quota>/<windowMs>) [all-shared]
 */
import { createServer } from 'node:http';
import { startSandbox } from '../../src/sandbox/index.js';

const [products = '41700', locations = '4', rl = 'off', shared = ''] = process.argv.slice(2);
const rateLimit =
  rl === 'off' || rl === 'standard'
    ? rl
    : { quota: Number(rl.split('/')[0]), windowMs: Number(rl.split('/')[1]) };
const sb = await startSandbox({
  seed: 'bench-inventory',
  products: Number(products),
  locations: Number(locations),
  rateLimit,
  unmatchedSkus: shared !== 'all-shared',
});

// mulberry32: small, seedable, good enough to spread changes evenly.
let rng = 1;
const rand = () => {
  rng = (rng + 0x6d2b79f5) | 0;
  let t = Math.imul(rng ^ (rng >>> 15), 1 | rng);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const send = (body: unknown) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body));
  };
  if (url.pathname === '/perturb') {
    for (const s of sb.bc.state.inventory.values()) s.onHand += 1000;
    return send({ ok: true, units: sb.bc.state.inventory.size });
  }
  if (url.pathname === '/changes') {
    const n = Number(url.searchParams.get('n') ?? 1000);
    rng = Number(url.searchParams.get('seed') ?? 7);
    const items = sb.hl.state.items.all();
    const locs = sb.hl.state.locations.all();
    const touched = new Set<string>();
    for (let i = 0; i < n; i++) {
      const item = items[Math.floor(rand() * items.length)];
      const loc = locs[Math.floor(rand() * locs.length)];
      if (!item || !loc) continue;
      const delta = rand() < 0.7 ? -1 : 3;
      const s = sb.hl.state.peekStock(item.id, loc.id);
      const d = delta < 0 && (s?.qty_on_hand ?? 0) <= 0 ? 1 : delta;
      sb.hl.state.changeStock(item.id, loc.id, { onHand: d }, { type: 'InventoryAdjustment', id: null });
      touched.add(`${item.id}@${loc.id}`);
    }
    return send({ changes: n, distinctLevels: touched.size });
  }
  if (url.pathname === '/stats') {
    return send({
      bcRequests: sb.bc.faults.counters.requests,
      absolute: sb.bc.state.inventoryTransactions.filter((t) => t.kind === 'absolute').length,
      skus: sb.seed.skuCount,
    });
  }
  res.statusCode = 404;
  res.end();
});
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  process.stdout.write(
    `${JSON.stringify({ bigcommerce: sb.bigcommerce, heartland: sb.heartland, control: `http://127.0.0.1:${port}`, skus: sb.seed.skuCount })}\n`,
  );
});
process.on('SIGTERM', () => {
  server.close();
  void sb.close().then(() => process.exit(0));
});
