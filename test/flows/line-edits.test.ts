import { describe, expect, it } from 'vitest';
import { type BcLineSnapshot, describeLineEdits, storedSnapshot } from '../../src/flows/orders/line-edits.js';

const line = (id: number, sku: string, qty: number, total = '10.0000'): BcLineSnapshot => ({
  id,
  sku,
  qty,
  total,
});

describe('describeLineEdits', () => {
  it('names added, removed, re-quantified and re-priced lines, and nothing for the same lines', () => {
    const made = [line(1, 'A', 1), line(2, 'B', 2), line(3, '', 1)];
    expect(describeLineEdits(made, made)).toEqual([]);
    expect(
      describeLineEdits(made, [line(1, 'A', 3, '30.0000'), line(2, 'B', 2, '18.0000'), line(4, 'D', 1)]),
    ).toEqual([
      'SKU A quantity 1 → 3',
      'SKU B total 10.0000 → 18.0000',
      'SKU D × 1 added',
      'line 3 × 1 removed',
    ]);
  });

  it('reads only a snapshot of the expected shape back from a link', () => {
    expect(storedSnapshot(undefined)).toBeUndefined();
    expect(storedSnapshot([{ id: 'x' }])).toBeUndefined();
    expect(storedSnapshot([line(1, 'A', 1)])).toEqual([line(1, 'A', 1)]);
  });
});
