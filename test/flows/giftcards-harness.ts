/**
 * Test harness for the gift card flow: the in-process sandbox (both simulators), an in-memory SQLite
 * store with the real engine and real API clients whose writes are recorded. Nothing of ours is mocked.
 * Spends are made the way each side makes them: Heartland through an adjustment with the POS's own
 * reason (`Redemption`), BigCommerce by the checkout lowering the certificate balance (simulator state).
 */
import { Decimal } from 'decimal.js';
import { BigCommerceApi } from '../../src/connectors/bigcommerce/bigcommerce-api.js';
import { HeartlandApi } from '../../src/connectors/heartland/heartland-api.js';
import type { FetchLike } from '../../src/connectors/shared/http-transport.js';
import type { AlertInput } from '../../src/engine/alerts/alert-channel.js';
import { createEngine, createQueueBackend, type Engine } from '../../src/engine/engine.js';
import {
  type GiftCardsConfigInput,
  parseGiftCardsConfig,
} from '../../src/flows/giftcards/giftcards-config.js';
import type { GiftCardFlowContext } from '../../src/flows/giftcards/giftcards-context.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { openStore, type StoreHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrations/index.js';

export interface GiftHarness {
  sb: Sandbox;
  store: StoreHandle;
  engine: Engine;
  ctx: GiftCardFlowContext;
  alerts: AlertInput[];
  /** Every non-GET request the bridge sent, as `bc PUT /v2/gift_certificates/3`. */
  writes: string[];
  bcBalance(code: string): string | undefined;
  hlBalance(number: string): number | undefined;
  /** Heartland adjustments of one card (all reasons). */
  hlAdjustments(number: string): Array<{ delta_balance: number; reason_id: number | null }>;
  createBcCertificate(code: string, amount: string): Promise<number>;
  createHlCard(number: string, balance: string): Promise<void>;
  spendOnline(code: string, amount: string): void;
  spendInStore(number: string, amount: string): Promise<void>;
  close(): Promise<void>;
}

export async function startGiftHarness(
  opts: { seed?: string; giftCards?: number; config?: GiftCardsConfigInput } = {},
): Promise<GiftHarness> {
  const sb = await startSandbox({
    seed: opts.seed ?? 'gift',
    products: 3,
    customers: 3,
    giftCards: opts.giftCards ?? 8,
    rateLimit: 'off',
  });
  const store = openStore(':memory:');
  await migrateToLatest(store);
  const backend = await createQueueBackend(store);
  const engine = createEngine({ store, backend });
  const alerts: AlertInput[] = [];
  const writes: string[] = [];
  const recording =
    (tag: string): FetchLike =>
    async (input, init) => {
      const method = init.method ?? 'GET';
      if (method !== 'GET') writes.push(`${tag} ${method} ${new URL(input).pathname}`);
      return fetch(input, init);
    };
  const bc = new BigCommerceApi({
    ...sb.bigcommerce,
    getRetryDelaysMs: [10, 10, 10],
    fetch: recording('bc'),
  });
  const hl = new HeartlandApi({
    apiUrl: sb.heartland.apiUrl,
    token: sb.heartland.token,
    getRetryDelaysMs: [10, 10, 10],
    fetch: recording('hl'),
  });
  const ctx: GiftCardFlowContext = {
    connectionId: 'test',
    engine,
    bc,
    hl,
    configVersion: null,
    now: Date.now,
    alerts: { raise: async (a) => void alerts.push(a) },
    giftCards: parseGiftCardsConfig(opts.config ?? {}),
  };
  const bcState = sb.bc.state;
  const hlState = sb.hl.state;
  const cert = (code: string) => [...bcState.giftCertificates.values()].find((g) => g.code === code);
  const card = (number: string) => hlState.giftCards.all().find((g) => g.number === number);
  const hlBase = sb.heartland.apiUrl;
  const hlPost = async (path: string, body: unknown) => {
    const res = await fetch(`${hlBase}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sb.heartland.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status >= 400) throw new Error(`${path} → ${res.status}: ${await res.text()}`);
  };
  return {
    sb,
    store,
    engine,
    ctx,
    alerts,
    writes,
    bcBalance: (code) => cert(code)?.balance,
    hlBalance: (number) => card(number)?.balance,
    hlAdjustments(number) {
      const c = card(number);
      if (!c) return [];
      return hlState.giftCardAdjustments
        .all()
        .filter((a) => a.gift_card_id === c.id)
        .map((a) => ({ delta_balance: a.delta_balance, reason_id: a.reason_id }));
    },
    async createBcCertificate(code, amount) {
      // Straight to the simulator's API (as the storefront or an admin would), not through our client.
      const res = await fetch(
        `${sb.bigcommerce.apiUrl}/stores/${sb.bigcommerce.storeHash}/v2/gift_certificates`,
        {
          method: 'POST',
          headers: {
            'x-auth-token': sb.bigcommerce.accessToken,
            'content-type': 'application/json',
            accept: 'application/json',
          },
          body: JSON.stringify({
            code,
            amount,
            to_name: 'Ann',
            to_email: 'ann@example.com',
            from_name: 'Bob',
            from_email: 'bob@example.com',
          }),
        },
      );
      if (res.status !== 201) throw new Error(`create certificate → ${res.status}: ${await res.text()}`);
      return ((await res.json()) as { id: number }).id;
    },
    async createHlCard(number, balance) {
      await hlPost('/gift_cards', { number, balance });
    },
    spendOnline(code, amount) {
      const g = cert(code);
      if (!g) throw new Error(`no certificate ${code}`);
      // What a storefront checkout paying with the certificate does to it (exact decimals, 4 dp).
      const left = new Decimal(g.balance).minus(amount);
      if (left.isNegative()) throw new Error('the storefront would refuse this spend');
      g.balance = left.toFixed(4);
    },
    async spendInStore(number, amount) {
      const c = card(number);
      if (!c) throw new Error(`no card ${number}`);
      const redemption = hlState.giftCardAdjustmentReasons.all().find((r) => r.name === 'Redemption');
      await hlPost('/gift_card/adjustments', {
        gift_card_id: c.id,
        reason_id: redemption?.id ?? null,
        delta_balance: `-${amount}`,
      });
    },
    async close() {
      await engine.stop(100);
      await store.close();
      await sb.close();
    },
  };
}
