/**
 * The Heartland gift card adjustment reason our adjustments carry (Heartland wants a `reason_id` on them,
 * and staff reading a card's history should see which changes came from the web).
 *
 * Conservative: a configured `reasonId` must exist (never replaced by a guess); otherwise the reason is
 * found by name (trimmed, case-insensitive) and only created when none matches and `createReason` is on.
 * After creating, the list is read again and the lowest id with that name wins, so two processes that
 * raced to create it still agree on one. Resolved once per Heartland client and setting.
 */
import type { HeartlandApi } from '../../connectors/heartland/heartland-api.js';
import { PermanentError } from '../../engine/errors.js';
import type { GiftCardsConfig } from './giftcards-config.js';

const cache = new WeakMap<HeartlandApi, Map<string, Promise<number>>>();

const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

export function giftCardReasonId(
  hl: HeartlandApi,
  cfg: Pick<GiftCardsConfig, 'reasonId' | 'reasonName' | 'createReason'>,
): Promise<number> {
  let byKey = cache.get(hl);
  if (!byKey) {
    byKey = new Map();
    cache.set(hl, byKey);
  }
  const key =
    cfg.reasonId !== undefined ? `id:${cfg.reasonId}` : `name:${cfg.reasonName}:${cfg.createReason}`;
  let p = byKey.get(key);
  if (!p) {
    p = resolve(hl, cfg).catch((err: unknown) => {
      byKey.delete(key); // a transient failure must not stick
      throw err;
    });
    byKey.set(key, p);
  }
  return p;
}

async function resolve(
  hl: HeartlandApi,
  cfg: Pick<GiftCardsConfig, 'reasonId' | 'reasonName' | 'createReason'>,
): Promise<number> {
  const reasons = await hl.giftCardAdjustmentReasons();
  if (cfg.reasonId !== undefined) {
    if (reasons.some((r) => r.id === cfg.reasonId)) return cfg.reasonId;
    throw new PermanentError({
      code: 'HB_ERR_GIFTCARD_REASON_MISSING',
      message: `Heartland has no gift card adjustment reason with id ${cfg.reasonId}`,
      suggestedFix: `set giftCards.reasonId to one of: ${reasons.map((r) => `${r.id} (${r.name})`).join(', ') || 'none exist yet'}; or drop it and use giftCards.reasonName`,
    });
  }
  const lowest = (list: typeof reasons) =>
    list.filter((r) => same(r.name, cfg.reasonName)).sort((a, b) => a.id - b.id)[0]?.id;
  const found = lowest(reasons);
  if (found !== undefined) return found;
  if (!cfg.createReason) {
    throw new PermanentError({
      code: 'HB_ERR_GIFTCARD_REASON_MISSING',
      message: `Heartland has no gift card adjustment reason named "${cfg.reasonName}"`,
      suggestedFix: `create it in Heartland (Settings → Reason codes → Gift card adjustment), set giftCards.reasonId, or set giftCards.createReason: true`,
    });
  }
  const created = await hl.createGiftCardAdjustmentReason({
    name: cfg.reasonName,
    description: 'Balance changes made by heartbridge to match BigCommerce',
  });
  return lowest(await hl.giftCardAdjustmentReasons()) ?? created;
}
