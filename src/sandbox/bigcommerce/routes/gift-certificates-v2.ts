/** v2 gift certificates: list (filters), get, create, update, delete. No webhooks exist for these. */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { BcError } from '../bc-errors.js';
import type { BcContext } from '../context.js';
import { parseApiDate } from '../dates.js';
import { pageParams, qInt, qs, query, slicePage } from '../http-util.js';
import { m4 } from '../money.js';
import { renderGiftCertificate } from '../render.js';
import type { GiftCertificateRecord } from '../store-state.js';

const P = '/stores/:hash/v2/gift_certificates';
const money = z.union([z.string().regex(/^\d+(\.\d+)?$/), z.number().nonnegative()]);
const status = z.enum(['active', 'pending', 'disabled', 'expired']);
const templates = z.enum([
  'birthday.html',
  'girl.html',
  'boy.html',
  'celebration.html',
  'christmas.html',
  'general.html',
]);
const giftWrite = z
  .object({
    code: z.string().max(255).optional(),
    amount: money.optional(),
    balance: money.optional(),
    status: status.optional(),
    to_name: z.string().optional(),
    to_email: z.string().optional(),
    from_name: z.string().optional(),
    from_email: z.string().optional(),
    customer_id: z.number().int().optional(),
    template: templates.optional(),
    message: z.string().optional(),
    purchase_date: z.string().optional(),
    expiry_date: z.string().optional(),
    currency_code: z.string().optional(),
  })
  .passthrough();

export function registerGiftCertificatesV2(app: FastifyInstance, ctx: BcContext): void {
  const { state } = ctx;
  const parse = (body: unknown) => {
    const r = giftWrite.safeParse(body);
    if (!r.success) throw new BcError(400, `The field '${r.error.issues[0]?.path.join('.')}' is invalid.`);
    return r.data;
  };
  const get = (id: string) => {
    const g = state.giftCertificates.get(Number(id));
    if (!g) throw new BcError(404, 'The requested resource was not found.');
    return g;
  };
  const date = (text: string | undefined, field: string): number | undefined => {
    if (text === undefined) return undefined;
    const ms = parseApiDate(text);
    if (ms === undefined) throw new BcError(400, `The field '${field}' must be an RFC-2822 date.`);
    return ms;
  };

  app.get(P, async (req, reply) => {
    const q = query(req);
    const minId = qInt(q, 'min_id');
    const maxId = qInt(q, 'max_id');
    const orderId = qInt(q, 'order_id');
    const f = (name: string) => qs(q, name);
    const list = [...state.giftCertificates.values()]
      .filter(
        (g) =>
          (minId === undefined || g.id >= minId) &&
          (maxId === undefined || g.id <= maxId) &&
          (orderId === undefined || g.order_id === orderId) &&
          (f('code') === undefined || g.code === f('code')) &&
          (f('to_name') === undefined || g.to_name === f('to_name')) &&
          (f('to_email') === undefined || g.to_email === f('to_email')) &&
          (f('from_name') === undefined || g.from_name === f('from_name')) &&
          (f('from_email') === undefined || g.from_email === f('from_email')),
      )
      .sort((a, b) => (f('direction') === 'desc' ? b.id - a.id : a.id - b.id));
    const { page, limit } = pageParams(q);
    const items = slicePage(list, page, limit).map(renderGiftCertificate);
    if (items.length === 0) return reply.code(204).send();
    return items;
  });

  app.get<{ Params: { id: string } }>(`${P}/:id`, async (req) => renderGiftCertificate(get(req.params.id)));

  app.post(P, async (req, reply) => {
    const w = parse(req.body);
    const missing = (['amount', 'to_name', 'to_email', 'from_name', 'from_email'] as const).filter(
      (k) => w[k] === undefined,
    );
    if (missing.length > 0) throw new BcError(400, `The required field '${missing[0]}' was not supplied.`);
    const code = (w.code ?? randomBytes(8).toString('hex').toUpperCase()).slice(0, 20);
    if ([...state.giftCertificates.values()].some((g) => g.code === code)) {
      throw new BcError(409, `The gift certificate code '${code}' is already in use.`);
    }
    const id = state.nextId('gift');
    const g: GiftCertificateRecord = {
      id,
      code,
      amount: m4(w.amount),
      balance: m4(w.balance ?? w.amount),
      status: w.status ?? 'active',
      to_name: w.to_name ?? '',
      to_email: w.to_email ?? '',
      from_name: w.from_name ?? '',
      from_email: w.from_email ?? '',
      customer_id: w.customer_id ?? 0,
      order_id: 0,
      template: w.template ?? 'general.html',
      message: w.message ?? '',
      purchase_date: date(w.purchase_date, 'purchase_date') ?? ctx.now(),
      expiry_date: date(w.expiry_date, 'expiry_date') ?? 0,
      currency_code: w.currency_code ?? state.currencyCode,
    };
    state.giftCertificates.set(id, g);
    return reply.code(201).send(renderGiftCertificate(g));
  });

  app.put<{ Params: { id: string } }>(`${P}/:id`, async (req) => {
    const g = get(req.params.id);
    const w = parse(req.body);
    if (w.code !== undefined) g.code = w.code.slice(0, 20);
    if (w.amount !== undefined) g.amount = m4(w.amount);
    if (w.balance !== undefined) g.balance = m4(w.balance);
    if (w.status !== undefined) g.status = w.status;
    if (w.to_name !== undefined) g.to_name = w.to_name;
    if (w.to_email !== undefined) g.to_email = w.to_email;
    if (w.from_name !== undefined) g.from_name = w.from_name;
    if (w.from_email !== undefined) g.from_email = w.from_email;
    if (w.customer_id !== undefined) g.customer_id = w.customer_id;
    if (w.template !== undefined) g.template = w.template;
    if (w.message !== undefined) g.message = w.message;
    const exp = date(w.expiry_date, 'expiry_date');
    if (exp !== undefined) g.expiry_date = exp;
    return renderGiftCertificate(g);
  });

  app.delete<{ Params: { id: string } }>(`${P}/:id`, async (req, reply) => {
    get(req.params.id);
    state.giftCertificates.delete(Number(req.params.id));
    return reply.code(204).send();
  });
}
