import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app/index.js';
import { configSchema } from '../../src/config/index.js';
import { createLogger } from '../../src/log/index.js';

const dir = mkdtempSync(join(tmpdir(), 'hb-app-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('createApp', () => {
  it('migrates, serves, runs jobs from the inbox, counts them in /metrics and stops cleanly', async () => {
    const config = configSchema.parse({
      database: { url: join(dir, 'app.db') },
      server: { host: '127.0.0.1', port: 0 },
    });
    const handled: string[] = [];
    let ticks = 0;
    const app = await createApp({
      config,
      logger: createLogger({ level: 'silent' }),
      processMetrics: false,
      handlers: {
        'test.echo': async (payload) => {
          handled.push(String(payload.n));
        },
      },
      schedules: () => [{ name: 'test.tick', every: '1h', run: async () => void ticks++ }],
    });
    await app.start();
    const base = app.address();
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    for (const n of [1, 2, 2]) {
      await app.engine.inbox.ingest({
        connectionId: 'default',
        source: 'test',
        dedupeKey: `evt-${n}`,
        topic: 'test/echo',
        entityKey: `test:${n}`,
        payload: { n },
        job: { task: 'test.echo' },
      });
    }
    const deadline = Date.now() + 10_000;
    // Wait until both outcomes are recorded (the handler returning is not yet the job completing).
    while ((await app.engine.queue.countsByState()).done < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(handled.sort()).toEqual(['1', '2']);
    await expect(app.scheduler.fire('test.tick', 0)).resolves.toBe(true);
    expect(ticks).toBe(1);

    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toContain('heartbridge_events_received_total{source="test",topic="test/echo"} 3');
    expect(text).toContain('heartbridge_events_duplicate_total{source="test",topic="test/echo"} 1');
    expect(text).toMatch(/heartbridge_job_duration_seconds_count\{task="test.echo",outcome="complete"\} 2/);
    expect(text).toContain('heartbridge_schedules_fired_total{schedule="test.tick"} 1');
    const versions = await app.store.db.selectFrom('config_versions').select('version').execute();
    expect(versions.map((v) => v.version)).toEqual([app.configVersion]);

    await app.stop();
    await app.stop(); // idempotent
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});
