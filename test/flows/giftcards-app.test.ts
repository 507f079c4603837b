/**
 * Wiring: the service as `heartbridge serve` builds it (createApp + app modules, SQLite on disk) with a
 * `giftCards` block — its schedule polls both sides, queues per-card jobs, and the workers make both
 * sides agree; a spend on each side between two polls then shows on both as the combined result.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appModules, composeModules } from '../../src/app/app-modules.js';
import { type App, createApp } from '../../src/app/create-app.js';
import { fullConfigSchema } from '../../src/app/full-config-schema.js';
import { demoMapping } from '../../src/demo/demo-mapping.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';

let sb: Sandbox;
let app: App;
let dir: string;

async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > until) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const agree = () => {
  const cards = new Map(sb.hl.state.giftCards.all().map((c) => [c.number, c.balance]));
  const certs = [...sb.bc.state.giftCertificates.values()];
  return (
    certs.length === cards.size &&
    certs.every((g) => cards.has(g.code) && new Decimal(g.balance).eq(new Decimal(cards.get(g.code) ?? -1)))
  );
};

beforeAll(async () => {
  sb = await startSandbox({ seed: 'gift-serve', products: 3, customers: 3, giftCards: 6, rateLimit: 'off' });
  dir = mkdtempSync(join(tmpdir(), 'hb-gift-serve-'));
  const config = fullConfigSchema.parse({
    database: { url: join(dir, 'hb.db') },
    server: { host: '127.0.0.1' },
    log: { level: 'silent' },
    connections: [
      {
        id: 'main',
        bigcommerce: { ...sb.bigcommerce },
        heartland: { apiUrl: sb.heartland.apiUrl, apiToken: sb.heartland.token },
        mapping: demoMapping(sb),
        polling: { orders: '1h', fulfilment: '1h' },
        giftCards: { every: '1s' },
      },
    ],
  });
  app = await createApp({ config, port: 0, processMetrics: false, ...composeModules(appModules) });
  await app.start();
});

afterAll(async () => {
  await app?.stop();
  await sb?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('serve with a giftCards block', () => {
  it('polls both sides on its schedule and keeps balances in step through per-card jobs', async () => {
    expect(agree()).toBe(false); // the seed has cards on one side only
    await waitFor(agree);
    const jobs = await app.engine.queue.listJobs({ task: 'giftcards.card' });
    expect(jobs.length).toBeGreaterThan(0);

    const cert = [...sb.bc.state.giftCertificates.values()][0];
    if (!cert) throw new Error('no certificate');
    const card = sb.hl.state.giftCards.all().find((c) => c.number === cert.code);
    if (!card) throw new Error('no card');
    const start = new Decimal(cert.balance);
    cert.balance = start.minus('3.00').toFixed(4); // online
    card.balance = new Decimal(card.balance).minus('2.00').toNumber(); // in store
    const expected = start.minus('5.00');
    await waitFor(() => new Decimal(cert.balance).eq(expected) && new Decimal(card.balance).eq(expected));
  });
});
