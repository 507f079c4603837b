/** v3 customers: list (filters), create and update in arrays of at most 10 (413 above). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { BcError, unprocessable } from '../bc-errors.js';
import type { BcContext } from '../context.js';
import { parseApiDate } from '../dates.js';
import { bodyArray, qList, qs, query, v3List } from '../http-util.js';
import { renderCustomer } from '../render.js';
import { type CustomerRecord, newCustomerAddress } from '../store-state.js';

const P = '/stores/:hash/v3/customers';

const addressIn = z
  .object({
    first_name: z.string(),
    last_name: z.string(),
    company: z.string().optional(),
    address1: z.string(),
    address2: z.string().optional(),
    city: z.string(),
    state_or_province: z.string(),
    postal_code: z.string(),
    country_code: z.string().length(2),
    phone: z.string().optional(),
    address_type: z.enum(['residential', 'commercial']).optional(),
  })
  .passthrough();
const customerWrite = z
  .object({
    id: z.number().int().optional(),
    email: z.string().email().optional(),
    first_name: z.string().min(1).optional(),
    last_name: z.string().min(1).optional(),
    company: z.string().optional(),
    phone: z.string().optional(),
    notes: z.string().optional(),
    customer_group_id: z.number().int().optional(),
    tax_exempt_category: z.string().optional(),
    registration_ip_address: z.string().optional(),
    addresses: z.array(addressIn).optional(),
    origin_channel_id: z.number().int().optional(),
    channel_ids: z.array(z.number().int()).nullable().optional(),
  })
  .passthrough();
type CustomerWrite = z.infer<typeof customerWrite>;

function tooLarge(): BcError {
  return new BcError(413, 'The request payload is too large. The maximum items allowed in the array is 10');
}

export function registerCustomersV3(app: FastifyInstance, ctx: BcContext): void {
  const { state } = ctx;

  const parseAll = (body: unknown): CustomerWrite[] => {
    const items = bodyArray(body, 'customers');
    if (items.length > 10) throw tooLarge();
    const errors: Record<string, string> = {};
    const out = items.map((b, i) => {
      const r = customerWrite.safeParse(b);
      if (!r.success) {
        for (const issue of r.error.issues)
          errors[`.customer_create[${i}].${issue.path.join('.')}`] = issue.message;
        return {} as CustomerWrite;
      }
      return r.data;
    });
    if (Object.keys(errors).length > 0) throw unprocessable('Input is invalid', errors);
    return out;
  };

  const emailTaken = (email: string, except?: number) =>
    [...state.customers.values()].some(
      (c) => c.email.toLowerCase() === email.toLowerCase() && c.id !== except,
    );

  app.get(P, async (req) => {
    const q = query(req);
    const ids = qList(q, 'id:in')?.map(Number);
    const emails = qList(q, 'email:in')?.map((e) => e.toLowerCase());
    const phones = qList(q, 'phone:in');
    const names = qList(q, 'name:in')?.map((n) => n.toLowerCase());
    const minMod = qs(q, 'date_modified:min');
    const maxMod = qs(q, 'date_modified:max');
    const minCre = qs(q, 'date_created:min');
    const minModMs = minMod === undefined ? undefined : parseApiDate(minMod);
    const maxModMs = maxMod === undefined ? undefined : parseApiDate(maxMod);
    const minCreMs = minCre === undefined ? undefined : parseApiDate(minCre);
    const include = new Set(qList(q, 'include') ?? []);
    const sec = (ms: number) => Math.floor(ms / 1000) * 1000;
    let list = [...state.customers.values()].filter(
      (c) =>
        (!ids || ids.includes(c.id)) &&
        (!emails || emails.includes(c.email.toLowerCase())) &&
        (!phones || phones.includes(c.phone)) &&
        (!names || names.includes(`${c.first_name} ${c.last_name}`.toLowerCase())) &&
        (minModMs === undefined || sec(c.date_modified) >= minModMs) &&
        (maxModMs === undefined || sec(c.date_modified) <= maxModMs) &&
        (minCreMs === undefined || sec(c.date_created) >= minCreMs),
    );
    const sort = qs(q, 'sort');
    if (sort) {
      const [field, dir] = sort.split(':');
      const k = (c: CustomerRecord) =>
        field === 'date_created' ? c.date_created : field === 'last_name' ? c.last_name : c.date_modified;
      list = list.sort(
        (a, b) => (k(a) < k(b) ? -1 : k(a) > k(b) ? 1 : a.id - b.id) * (dir === 'desc' ? -1 : 1),
      );
    } else list = list.sort((a, b) => a.id - b.id);
    const page = v3List(list, q);
    return { data: page.data.map((c) => renderCustomer(c, include)), meta: page.meta };
  });

  app.post(P, async (req) => {
    const writes = parseAll(req.body);
    writes.forEach((w, i) => {
      const missing = (['email', 'first_name', 'last_name'] as const).filter((k) => !w[k]);
      if (missing.length > 0) {
        throw unprocessable(
          'Input is invalid',
          Object.fromEntries(missing.map((k) => [`.customer_create[${i}].${k}`, 'missing required field'])),
        );
      }
      if (w.email && emailTaken(w.email)) {
        throw unprocessable(`The email address ${w.email} is already in use.`, {
          [`.customer_create[${i}].email`]: 'email already in use',
        });
      }
    });
    const now = ctx.now();
    const created = writes.map((w) => {
      const id = state.nextId('customer');
      const c: CustomerRecord = {
        id,
        email: w.email ?? '',
        first_name: w.first_name ?? '',
        last_name: w.last_name ?? '',
        company: w.company ?? '',
        phone: w.phone ?? '',
        notes: w.notes ?? '',
        customer_group_id: w.customer_group_id ?? 0,
        tax_exempt_category: w.tax_exempt_category ?? '',
        registration_ip_address: w.registration_ip_address ?? '',
        accepts_product_review_abandoned_cart_emails: false,
        channel_ids: w.channel_ids ?? null,
        origin_channel_id: w.origin_channel_id ?? 1,
        addresses: [],
        store_credit: '0.0000',
        date_created: now,
        date_modified: now,
      };
      c.addresses = (w.addresses ?? []).map((a) => newCustomerAddress(state, id, a));
      state.customers.set(id, c);
      ctx.webhooks.emit('store/customer/created', { type: 'customer', id });
      return c;
    });
    return { data: created.map((c) => renderCustomer(c, new Set(['addresses']))), meta: {} };
  });

  app.put(P, async (req) => {
    const writes = parseAll(req.body);
    const targets = writes.map((w, i) => {
      const c = w.id === undefined ? undefined : state.customers.get(w.id);
      if (!c)
        throw unprocessable('Input is invalid', { [`.customer_update[${i}].id`]: 'customer not found' });
      if (w.email && emailTaken(w.email, c.id)) {
        throw unprocessable(`The email address ${w.email} is already in use.`);
      }
      return c;
    });
    writes.forEach((w, i) => {
      const c = targets[i];
      if (!c) return;
      if (w.email !== undefined) c.email = w.email;
      if (w.first_name !== undefined) c.first_name = w.first_name;
      if (w.last_name !== undefined) c.last_name = w.last_name;
      if (w.company !== undefined) c.company = w.company;
      if (w.phone !== undefined) c.phone = w.phone;
      if (w.notes !== undefined) c.notes = w.notes;
      if (w.customer_group_id !== undefined) c.customer_group_id = w.customer_group_id;
      if (w.tax_exempt_category !== undefined) c.tax_exempt_category = w.tax_exempt_category;
      c.date_modified = ctx.now();
      ctx.webhooks.emit('store/customer/updated', { type: 'customer', id: c.id });
    });
    return { data: targets.map((c) => renderCustomer(c, new Set())), meta: {} };
  });

  app.delete(P, async (req, reply) => {
    const ids = qList(query(req), 'id:in')?.map(Number);
    for (const id of ids ?? []) {
      if (state.customers.delete(id)) ctx.webhooks.emit('store/customer/deleted', { type: 'customer', id });
    }
    return reply.code(204).send();
  });
}
