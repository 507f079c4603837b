/**
 * Task handlers and the schedule of the gift card flow (the app registers them as it does inventory's):
 *
 *   handlers: { ...createGiftCardHandlers((connectionId) => giftCardContextFor(connectionId)) }
 *   schedules: giftCardSchedules(cfg).map((s) => toScheduleDefinition(s, engine, connectionId))
 *
 * `giftcards.poll` runs at dispatch priority (one cheap job that unlocks the rest, as the other polls);
 * `giftcards.card` jobs are keyed per card, so one card is never run by two workers at once.
 */
import type { TaskHandler } from '../../engine/queue/queue-backend.js';
import type { FlowSchedule } from '../inventory/handlers.js';
import { type ContextSource, resolveContext } from '../inventory/inventory-context.js';
import { PRIORITY } from '../routing.js';
import { pollGiftCards } from './giftcard-poll.js';
import { type CardRef, GIFTCARD_TASKS, syncCard } from './giftcard-sync.js';
import type { GiftCardsConfig } from './giftcards-config.js';
import type { GiftCardFlowContext } from './giftcards-context.js';

const positiveInt = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined);

/** The card a job names (payload from the poll, or a quarantine replay of it). */
export function cardRefFromPayload(payload: Record<string, unknown>): CardRef {
  const number = typeof payload.number === 'string' && payload.number.length > 0 ? payload.number : undefined;
  const bcId = positiveInt(payload.bcId);
  const hlId = positiveInt(payload.hlId);
  return { ...(number ? { number } : {}), ...(bcId ? { bcId } : {}), ...(hlId ? { hlId } : {}) };
}

export function createGiftCardHandlers(
  source: ContextSource<GiftCardFlowContext>,
): Record<string, TaskHandler> {
  return {
    async [GIFTCARD_TASKS.poll](_payload, job) {
      const ctx = await resolveContext(source, job.connectionId);
      if (ctx.giftCards.enabled) await pollGiftCards(ctx);
    },
    async [GIFTCARD_TASKS.card](payload, job) {
      const ctx = await resolveContext(source, job.connectionId);
      if (!ctx.giftCards.enabled) return;
      const ref = cardRefFromPayload(payload);
      if (!ref.bcId && !ref.hlId && !ref.number) return;
      await syncCard(ctx, ref, { job });
    },
  };
}

export function giftCardSchedules(cfg: GiftCardsConfig): FlowSchedule[] {
  if (!cfg.enabled) return [];
  return [
    {
      name: GIFTCARD_TASKS.poll,
      every: cfg.every,
      task: GIFTCARD_TASKS.poll,
      payload: {},
      priority: PRIORITY.dispatch,
    },
  ];
}
