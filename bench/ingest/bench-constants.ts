/** Values the ingest benchmark's server, load generator and runner agree on. */
export const BENCH_SECRET = 'bench-secret-0123456789abcdef';
export const BENCH_STORE_HASH = 'benchstore';
export const BENCH_CONNECTION = 'main';
export const SECRET_HEADER = 'x-heartbridge-secret';

/**
 * One distinct, valid BigCommerce `store/order/updated` envelope per id (unique order id and hash, so
 * nothing dedupes or coalesces). Built by string concatenation: the load generator has one core and
 * must not become the bottleneck.
 */
export function envelopeBody(id: number): string {
  return (
    '{"scope":"store/order/updated","store_id":"1025646","data":{"type":"order","id":' +
    id +
    ',"status":{"previous_status_id":0,"new_status_id":11}},"hash":"h' +
    id.toString(36) +
    'c0ffee","created_at":1561479335,"producer":"stores/' +
    BENCH_STORE_HASH +
    '"}'
  );
}

/** Which backends each server variant applies to (the runner skips the rest). See server.ts. */
export const VARIANT_BACKENDS: Record<string, ReadonlyArray<'sqlite' | 'postgres'>> = {
  group: ['sqlite', 'postgres'],
  single: ['sqlite', 'postgres'],
  'group-serial': ['sqlite'],
  'fsync-at-commit': ['sqlite'],
  'group-lanes2': ['sqlite'],
  // The HTTP ceiling does not depend on the database: measured once, with the SQLite runs.
  noop: ['sqlite'],
  'async-fsync': ['sqlite'],
  'async-fsync-lanes4': ['sqlite'],
  lanes4: ['postgres'],
  'optimistic-lanes4': ['postgres'],
  multirow: ['postgres'],
  'multirow-lanes4': ['postgres'],
};
