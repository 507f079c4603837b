/** Order status mapping both ways, driven by the connection's `statusMap` (see mapping-config.ts). */
import type { HlStatus } from './hl-draft.js';
import type { MappingConfig } from './mapping-config.js';

export type HlStatusDecision = { action: 'set'; status: HlStatus } | { action: 'skip'; reason: string };

/** BC status_id → what to do in Heartland. Unlisted ids are skipped (never guessed). */
export function bcStatusToHeartland(
  statusId: number,
  config: Pick<MappingConfig, 'statusMap'>,
): HlStatusDecision {
  const mapped = config.statusMap.toHeartland[String(statusId)];
  if (mapped === undefined)
    return { action: 'skip', reason: `BC status ${statusId} is not in statusMap.toHeartland` };
  if (mapped === 'skip') return { action: 'skip', reason: `BC status ${statusId} is mapped to skip` };
  return { action: 'set', status: mapped };
}

/** HL status → BC status_id, or undefined when that status is not sent back. */
export function hlStatusToBigCommerce(
  status: string,
  config: Pick<MappingConfig, 'statusMap'>,
): number | undefined {
  return (config.statusMap.toBigCommerce as Partial<Record<string, number>>)[status];
}

const RANK: Record<HlStatus, number> = { pending: 0, open: 1, closed: 2, canceled: 2 };

/**
 * Heartland order statuses only move forward (pending → open → closed | canceled). A BC change that
 * would move an order backwards (e.g. back to Awaiting Payment after it was opened) is not applied.
 */
export function isForwardHlTransition(from: HlStatus, to: HlStatus): boolean {
  if (from === to) return false;
  if (from === 'closed' || from === 'canceled') return false;
  return RANK[to] > RANK[from];
}
