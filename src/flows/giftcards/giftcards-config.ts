/**
 * The `giftCards` block of a connection's config (balance sync between BigCommerce gift certificates and
 * Heartland gift cards; the flow is described in giftcard-sync.ts).
 *
 *   giftCards:
 *     enabled: true
 *     every: 5m                      # neither side sends gift-card events: both are polled
 *     direction: both                # or bc_to_hl / hl_to_bc (one side is the master, see below)
 *     reasonName: BigCommerce sync   # Heartland adjustment reason (found by name, created if absent)
 *     # reasonId: 12                 # or name an existing reason by id (wins over reasonName)
 *     numbers: as_is                 # or alphanumeric: FFZ-5N4-C7M-S78 → FFZ5N4C7MS78 in Heartland
 *     bigcommerce: { toName: …, toEmail: …, fromName: …, fromEmail: … }   # for cards made in store
 *
 * `direction: both` merges spends made on either side (deltas from the balance both last agreed on).
 * A one-way direction makes one side the master: the other side is set to the master's balance and
 * cards are only created from the master, so spends made on the other side are overwritten — use it
 * only when that side cannot redeem cards.
 */
import { z } from 'zod';
import { durationSchema } from '../../config/duration.js';

export const giftCardDirectionSchema = z.enum(['both', 'bc_to_hl', 'hl_to_bc']);
export type GiftCardDirection = z.infer<typeof giftCardDirectionSchema>;

export const giftCardsConfigSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Sync gift card balances (and new cards) both ways.'),
    every: durationSchema
      .default('5m')
      .describe('How often both sides are polled (neither sends gift-card events).'),
    direction: giftCardDirectionSchema
      .default('both')
      .describe(
        '`both`: spends on either side are merged. `bc_to_hl` / `hl_to_bc`: the first side is the master; the other is overwritten and gets no cards created from it.',
      ),
    reasonId: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Heartland gift card adjustment reason id used for our adjustments (checked to exist).'),
    reasonName: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .default('BigCommerce sync')
      .describe('Reason looked up by name when no reasonId is given; created once if absent.'),
    createReason: z
      .boolean()
      .default(true)
      .describe('Create the named reason in Heartland when it does not exist (false: fail and say so).'),
    numbers: z
      .enum(['as_is', 'alphanumeric'])
      .default('as_is')
      .describe(
        'Heartland number for a BigCommerce code: `as_is` (spaces stripped, as Heartland does) or `alphanumeric` (every other character dropped, e.g. FFZ-5N4-C7M-S78 → FFZ5N4C7MS78).',
      ),
    createMissing: z
      .boolean()
      .default(true)
      .describe('Create a card on the other side when it exists on one side only.'),
    bigcommerce: z
      .object({
        toName: z
          .string()
          .min(1)
          .default('Gift card holder')
          .describe('to_name of certificates made from store cards.'),
        toEmail: z
          .email()
          .default('giftcards@example.com')
          .describe('to_email of certificates made from store cards (no email is sent on API create).'),
        fromName: z.string().min(1).default('In-store purchase').describe('from_name of those certificates.'),
        fromEmail: z.email().default('giftcards@example.com').describe('from_email of those certificates.'),
      })
      .strict()
      .prefault({})
      .describe('Recipient fields BigCommerce requires on a certificate made from a Heartland card.'),
  })
  .strict();
export type GiftCardsConfig = z.output<typeof giftCardsConfigSchema>;
export type GiftCardsConfigInput = z.input<typeof giftCardsConfigSchema>;

export function parseGiftCardsConfig(input: unknown): GiftCardsConfig {
  return giftCardsConfigSchema.parse(input ?? {});
}
