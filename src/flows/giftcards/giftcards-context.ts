/** The gift card flow's context: the shared flow context (no order mapping needed) plus its config block. */
import type { FlowContext } from '../flow-context.js';
import type { GiftCardsConfig } from './giftcards-config.js';

export interface GiftCardFlowContext extends Omit<FlowContext, 'metrics' | 'mapping'> {
  mapping?: FlowContext['mapping'];
  metrics?: Partial<FlowContext['metrics']>;
  giftCards: GiftCardsConfig;
}

/** Only the last four characters of a card number reach logs and alerts: a number is a bearer credential. */
export function maskNumber(number: string): string {
  return number.length <= 4 ? '…' : `…${number.slice(-4)}`;
}
