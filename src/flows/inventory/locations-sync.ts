/**
 * `heartbridge locations sync`: makes sure every BigCommerce location of the location map exists.
 * A configured location is found by id, else by its `code` (default `HB-<bcLocationId>`); a missing one is
 * created (VIRTUAL, so no street address is needed; `managed_by_external_source: true` with `--managed`,
 * which locks manual stock edits in the control panel — right for a POS-owned location, NOTES §10).
 * BigCommerce assigns ids on create, so the result says which id to put into the config.
 */
import type { InventoryFlowContext } from './inventory-context.js';

export interface LocationSyncEntry {
  configuredId: number;
  code: string;
  status: 'exists' | 'created' | 'would-create' | 'made-managed' | 'would-make-managed';
  bcId?: number;
}

export async function syncLocations(
  ctx: InventoryFlowContext,
  opts: { managed?: boolean; dryRun?: boolean } = {},
): Promise<LocationSyncEntry[]> {
  const existing = await ctx.bc.inventory.listLocations();
  const hlNames = new Map((await ctx.hl.locations()).map((l) => [l.id, l.name]));
  const out: LocationSyncEntry[] = [];
  for (const entry of ctx.inventory.locations) {
    const code = entry.code ?? `HB-${entry.bcLocationId}`;
    const found = existing.find((l) => l.id === entry.bcLocationId) ?? existing.find((l) => l.code === code);
    if (found) {
      if (opts.managed && found.managed_by_external_source !== true) {
        if (!opts.dryRun)
          await ctx.bc.inventory.updateLocations([{ id: found.id, managed_by_external_source: true }]);
        out.push({
          configuredId: entry.bcLocationId,
          code: found.code,
          bcId: found.id,
          status: opts.dryRun ? 'would-make-managed' : 'made-managed',
        });
      } else
        out.push({ configuredId: entry.bcLocationId, code: found.code, bcId: found.id, status: 'exists' });
      continue;
    }
    if (opts.dryRun) {
      out.push({ configuredId: entry.bcLocationId, code, status: 'would-create' });
      continue;
    }
    const label =
      entry.label ?? entry.hlLocationIds.map((id) => hlNames.get(id) ?? `Heartland ${id}`).join(' + ');
    await ctx.bc.inventory.createLocations([
      {
        code,
        label,
        type_id: 'VIRTUAL',
        managed_by_external_source: opts.managed === true,
        enabled: true,
        time_zone: 'Etc/UTC',
        // The spec marks `address` required for every type; BigCommerce needs it only for PHYSICAL (NOTES §10).
      } as never,
    ]);
    const created = (await ctx.bc.inventory.listLocations({ 'location_code:in': [code] }))[0];
    out.push({ configuredId: entry.bcLocationId, code, bcId: created?.id, status: 'created' });
  }
  return out;
}
