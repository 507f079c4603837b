/**
 * Child process for test/engine/ingest-crash.test.ts: ingests events into the inbox of a SQLite file as
 * fast as it can (64 in flight, group commit) and prints each event's dedupe key on stdout the moment its
 * ingest promise resolves — i.e. when heartbridge would answer 2xx. Runs until SIGKILLed.
 *
 *   node --import tsx test/engine/ingest-crash-child.ts <sqlite file> <key prefix>
 */
import { createQueueBackend } from '../../src/engine/engine.js';
import { createInbox } from '../../src/engine/inbox.js';
import { openStore } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrations/index.js';

const [file, prefix] = process.argv.slice(2);
if (!file || !prefix) {
  console.error('usage: ingest-crash-child.ts <sqlite file> <key prefix>');
  process.exit(2);
}

const store = openStore(file);
await migrateToLatest(store);
const backend = await createQueueBackend(store);
const inbox = createInbox({ db: store.db, backend });

let n = 0;
const one = async (): Promise<void> => {
  const key = `${prefix}-${n++}`;
  await inbox.ingest({
    connectionId: 'c1',
    source: 'crash',
    dedupeKey: key,
    topic: 'order.updated',
    // Few entities, so per-entity jobs and coalescing are exercised too.
    entityKey: `bc:order:${n % 37}`,
    payload: { id: n, key },
    job: { task: 'orders.sync' },
  });
  // Pipes are synchronous on Linux: once the parent reads this line, the ack had been given.
  process.stdout.write(`${key}\n`);
};
const lane = async (): Promise<never> => {
  for (;;) await one();
};
process.stdout.write('ready\n');
await Promise.all(Array.from({ length: 64 }, lane));
