/** The gift card flow's public surface (design: giftcard-sync.ts header; docs/architecture.md). */
export { type Bases, cents, type MergeResult, mergeBalances } from './balance-merge.js';
export { bcCodeForNumber, cardEntityKey, hlNumberForCode } from './card-numbers.js';
export { createGiftCardLinks, GIFTCARD_LINK_KIND, type GiftCardLink } from './giftcard-links.js';
export {
  type FullGiftCardResult,
  fullGiftCardSync,
  type GiftCardPollResult,
  pollGiftCards,
  scanGiftCards,
} from './giftcard-poll.js';
export {
  type CardOutcome,
  type CardRef,
  GIFTCARD_TASKS,
  type SyncCardOptions,
  syncCard,
} from './giftcard-sync.js';
export {
  type GiftCardDirection,
  type GiftCardsConfig,
  type GiftCardsConfigInput,
  giftCardsConfigSchema,
  parseGiftCardsConfig,
} from './giftcards-config.js';
export type { GiftCardFlowContext } from './giftcards-context.js';
export { cardRefFromPayload, createGiftCardHandlers, giftCardSchedules } from './handlers.js';
