/**
 * Step 7's guard for edited lines: an order edited in BigCommerce after it reached Heartland.
 *
 * Staff can change an order's products in the BigCommerce control panel (add or remove a line, change a
 * quantity or a price) after heartbridge created it in Heartland. heartbridge does not rewrite the lines
 * of a Heartland order that may already be picked, packed or invoiced — a wrong automatic change there
 * ships the wrong goods. But it must not stay silent either: the order's lines as BigCommerce had them
 * when the Heartland order was made are kept on the link, and a later sync that finds them different
 * raises an alert naming every difference and writes an audit entry, once per edited state.
 */
import { z } from 'zod';
import type { BcOrderProduct } from '../../connectors/bigcommerce/schemas.js';

/**
 * One BigCommerce line as the Heartland order was made from it. `total` is `total_inc_tax` as BigCommerce
 * sent it (a decimal string; compared as text, never as a float).
 */
const lineSnapshotSchema = z.object({ id: z.number(), sku: z.string(), qty: z.number(), total: z.string() });
export type BcLineSnapshot = z.infer<typeof lineSnapshotSchema>;

export function snapshotLines(products: readonly BcOrderProduct[]): BcLineSnapshot[] {
  return [...products]
    .sort((a, b) => a.id - b.id)
    .map((p) => ({
      id: p.id,
      sku: (p.sku ?? '').trim(),
      qty: p.quantity,
      total: String(p.total_inc_tax ?? ''),
    }));
}

/** The snapshot stored on a link, if it has one in the expected shape (older links do not). */
export function storedSnapshot(value: unknown): BcLineSnapshot[] | undefined {
  const parsed = z.array(lineSnapshotSchema).safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** A stable text of the lines (to remember which edited state was already reported). */
export function linesSignature(lines: readonly BcLineSnapshot[]): string {
  return lines.map((l) => `${l.id}:${l.sku}:${l.qty}:${l.total}`).join('|');
}

/** Human-readable differences between the lines Heartland got and the lines BigCommerce shows now. */
export function describeLineEdits(
  before: readonly BcLineSnapshot[],
  after: readonly BcLineSnapshot[],
): string[] {
  const label = (l: BcLineSnapshot) => (l.sku ? `SKU ${l.sku}` : `line ${l.id}`);
  const was = new Map(before.map((l) => [l.id, l]));
  const now = new Map(after.map((l) => [l.id, l]));
  const out: string[] = [];
  for (const l of after) {
    const old = was.get(l.id);
    if (!old) out.push(`${label(l)} × ${l.qty} added`);
    else {
      if (old.qty !== l.qty) out.push(`${label(l)} quantity ${old.qty} → ${l.qty}`);
      if (old.sku !== l.sku) out.push(`line ${l.id} SKU ${old.sku || '(none)'} → ${l.sku || '(none)'}`);
      if (old.total !== l.total && old.qty === l.qty) out.push(`${label(l)} total ${old.total} → ${l.total}`);
    }
  }
  for (const l of before) if (!now.has(l.id)) out.push(`${label(l)} × ${l.qty} removed`);
  return out;
}
