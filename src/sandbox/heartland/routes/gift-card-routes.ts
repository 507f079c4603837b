/**
 * Gift cards (NOTES §14): `/api/gift_cards` (list, create), `GET /api/gift_cards/{number}` — the path
 * key is the card NUMBER, not the id — and `POST /api/gift_card/adjustments` (singular `gift_card`).
 * Balances never go below zero. Numbers are stored without spaces (stripped as on import).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { HlHttpError, validationError } from '../hl-errors.js';
import { collection, type HlContext, must, parseBody, query, sendCreated } from '../hl-http.js';
import { sumMoney } from '../hl-money.js';
import { intId, money } from './schemas.js';

const number = z
  .union([z.string(), z.number().transform(String)])
  .transform((s) => s.replace(/\s+/g, ''))
  .pipe(z.string().regex(/^[A-Za-z0-9]+$/, 'must be alphanumeric'));

export function registerGiftCardRoutes(app: FastifyInstance, ctx: HlContext): void {
  const { state } = ctx;
  const byNumber = (n: string) => state.giftCards.all().find((g) => g.number === n);

  app.get('/api/gift_cards', async (request) => collection(state.giftCards.all(), query(ctx, request)));

  app.get('/api/gift_cards/:number', async (request) => {
    const n = String((request.params as { number: string }).number).replace(/\s+/g, '');
    const card = byNumber(n);
    if (!card) throw new HlHttpError(404, 'not_found', `Gift card ${n} not found`, {});
    return { ...card };
  });

  app.post('/api/gift_cards', async (request, reply) => {
    const body = parseBody(
      z.object({ number, balance: money.optional(), reason_id: intId.nullable().optional() }).passthrough(),
      request.body,
    );
    if (byNumber(body.number)) throw validationError({ number: ['has already been taken'] });
    const balance = body.balance ?? 0;
    if (balance < 0) throw validationError({ balance: ['must be greater than or equal to 0'] });
    const at = state.nowIso();
    const card = state.giftCards.insert((id) => ({
      id,
      number: body.number,
      balance,
      import_set_id: null,
      created_at: at,
      updated_at: at,
    }));
    // The location is keyed by number, as GET is.
    return sendCreated(ctx, reply, `/gift_cards/${encodeURIComponent(card.number)}`);
  });

  app.get('/api/gift_card/adjustments', async (request) =>
    collection(state.giftCardAdjustments.all(), query(ctx, request)),
  );
  app.post('/api/gift_card/adjustments', async (request, reply) => {
    const body = parseBody(
      z
        .object({ gift_card_id: intId, reason_id: intId.nullable().optional(), delta_balance: money })
        .passthrough(),
      request.body,
    );
    const card = state.giftCards.get(body.gift_card_id);
    if (!card) throw validationError({ gift_card_id: ['does not exist'] });
    if (body.reason_id !== undefined && body.reason_id !== null) {
      must(state.giftCardAdjustmentReasons.get(body.reason_id), 'Reason', body.reason_id);
    }
    const next = sumMoney([card.balance, body.delta_balance]);
    if (next < 0) throw validationError({ delta_balance: ['would make the balance negative'] });
    card.balance = next;
    card.updated_at = state.nowIso();
    const adj = state.giftCardAdjustments.insert((id) => ({
      id,
      gift_card_id: card.id,
      reason_id: body.reason_id ?? null,
      delta_balance: body.delta_balance,
      created_at: card.updated_at,
    }));
    return sendCreated(ctx, reply, `/gift_card/adjustments/${adj.id}`);
  });
}
