import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { channelsFromConfig, createAlerts } from '../../src/engine/alerts/index.js';
import { createLogger } from '../../src/log/index.js';
import { openStore, type StoreHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrations/index.js';

interface Received {
  path: string;
  body: Record<string, unknown>;
}

let http: Server;
let smtp: SMTPServer;
let httpPort = 0;
let smtpPort = 0;
const posts: Received[] = [];
const mails: string[] = [];
let failHook = false;
const dir = mkdtempSync(join(tmpdir(), 'hb-alerts-'));
let store: StoreHandle;

beforeAll(async () => {
  http = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => {
      data += c;
    });
    req.on('end', () => {
      if (failHook && req.url === '/hook') {
        res.writeHead(500).end();
        return;
      }
      posts.push({ path: req.url ?? '', body: JSON.parse(data) });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  httpPort = (http.address() as AddressInfo).port;
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, cb) {
      let text = '';
      stream.on('data', (c) => {
        text += c;
      });
      stream.on('end', () => {
        mails.push(text);
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  smtpPort = (smtp.server.address() as AddressInfo).port;
  store = openStore(join(dir, 'alerts.db'));
  await migrateToLatest(store);
});

afterAll(async () => {
  await new Promise((r) => http.close(r));
  await new Promise<void>((r) => smtp.close(() => r()));
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  posts.length = 0;
  mails.length = 0;
  failHook = false;
});

function makeAlerts(clock: { t: number }, throttleMs = 60_000) {
  const channels = channelsFromConfig([
    { type: 'webhook', url: `http://127.0.0.1:${httpPort}/hook` },
    { type: 'slack', webhookUrl: `http://127.0.0.1:${httpPort}/slack` },
    {
      type: 'smtp',
      host: '127.0.0.1',
      port: smtpPort,
      secure: false,
      from: 'hb@example.test',
      to: ['ops@example.test'],
    },
  ]);
  return createAlerts({
    store,
    channels,
    logger: createLogger({ level: 'silent' }),
    throttleMs,
    sendRecovery: true,
    now: () => clock.t,
  });
}

describe('alerts', () => {
  it('turns 1,000 raises of one key (from two processes) into one message per channel per window', async () => {
    const clock = { t: 1_700_000_000_000 };
    const a = makeAlerts(clock);
    const b = makeAlerts(clock); // a second process sharing the database
    const alert = {
      key: 'bc:429:default',
      severity: 'critical' as const,
      title: 'BigCommerce answers 429',
      connectionId: 'default',
    };
    await Promise.all(Array.from({ length: 1000 }, (_, i) => (i % 2 ? a : b).raise(alert)));
    expect(posts.filter((p) => p.path === '/hook')).toHaveLength(1);
    expect(posts.filter((p) => p.path === '/slack')).toHaveLength(1);
    expect(mails).toHaveLength(1);
    expect(posts.find((p) => p.path === '/hook')?.body).toMatchObject({
      kind: 'raised',
      key: 'bc:429:default',
      severity: 'critical',
    });
    expect(posts.find((p) => p.path === '/slack')?.body).toMatchObject({
      text: '[critical] [default] BigCommerce answers 429',
    });
    expect(mails[0]).toContain('Subject: heartbridge: [critical] [default] BigCommerce answers 429');

    // Next window: one "still happening" message counting everything not yet reported.
    const first = posts.find((p) => p.path === '/hook')?.body as { occurrences: number };
    for (let i = 0; i < 10; i++) await b.raise(alert);
    clock.t += 61_000;
    await a.raise(alert);
    const hooks = posts.filter((p) => p.path === '/hook');
    expect(hooks).toHaveLength(2);
    const repeat = hooks[1]?.body as { kind: string; occurrences: number; total: number };
    expect(repeat).toMatchObject({ kind: 'repeat', total: 1011 });
    expect(first.occurrences + repeat.occurrences).toBe(1011); // nothing lost or counted twice
    expect(repeat.occurrences).toBeGreaterThanOrEqual(11);
    expect(posts.filter((p) => p.path === '/slack')[1]?.body.text).toBe(
      `[critical] [default] still happening (${repeat.occurrences} more): BigCommerce answers 429`,
    );
    expect(mails).toHaveLength(2);

    // Recovery is one message, then the key starts afresh.
    await Promise.all([a.resolve(alert.key), b.resolve(alert.key)]);
    expect(posts.filter((p) => p.path === '/hook')[2]?.body).toMatchObject({ kind: 'resolved' });
    expect(posts.filter((p) => p.path === '/hook')).toHaveLength(3);
    await a.raise(alert);
    expect(posts.filter((p) => p.path === '/hook')[3]?.body).toMatchObject({
      kind: 'raised',
      occurrences: 1,
    });
    await a.close();
    await b.close();
  });

  it('never throws into the caller when a channel fails, and other channels still deliver', async () => {
    const clock = { t: 1_800_000_000_000 };
    failHook = true;
    const alerts = makeAlerts(clock);
    await expect(
      alerts.raise({ key: 'hl:down', severity: 'warning', title: 'Heartland unreachable' }),
    ).resolves.toBeUndefined();
    expect(posts.filter((p) => p.path === '/slack')).toHaveLength(1);
    expect(mails).toHaveLength(1);
    await alerts.close();
  });

  it('never throws when the database is unusable', async () => {
    const broken = openStore(':memory:'); // not migrated: no alerts table
    const alerts = createAlerts({ store: broken, channels: [], logger: createLogger({ level: 'silent' }) });
    await expect(alerts.raise({ key: 'x', severity: 'info', title: 'x' })).resolves.toBeUndefined();
    await broken.close();
  });
});
