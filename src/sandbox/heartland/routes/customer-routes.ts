/**
 * `/api/customers` and `/api/customers/{id}/addresses` (NOTES §11). Email is not unique (nothing says it
 * is, so a connector must search before it creates). Writes fire `customer_created` / `customer_updated`.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { validationError } from '../hl-errors.js';
import {
  applyCustom,
  boolField,
  checkRequiredCustom,
  type HlContext,
  idParam,
  must,
  parseBody,
  sendCreated,
} from '../hl-http.js';
import { registerChildList, registerReads } from '../read-routes.js';
import { customObject, publicId, text } from './schemas.js';

const email = z
  .string()
  .regex(/^[^\s@]+@[^\s@]+$/, 'is invalid')
  .nullable();
const customerFields = {
  public_id: publicId.optional(),
  first_name: text.optional(),
  last_name: text.optional(),
  email: email.optional(),
  phone: text.optional(),
  custom: customObject.optional(),
};
const addressFields = {
  first_name: text.optional(),
  last_name: text.optional(),
  line_1: text.optional(),
  line_2: text.optional(),
  city: text.optional(),
  state: text.optional(),
  postal_code: text.optional(),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be an ISO-3166 alpha-2 code')
    .nullable()
    .optional(),
  phone: text.optional(),
};

export function registerCustomerRoutes(app: FastifyInstance, ctx: HlContext): void {
  const { state } = ctx;

  registerReads(app, ctx, 'customers', state.customers, 'Customer');

  app.post('/api/customers', async (request, reply) => {
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const body = parseBody(z.object(customerFields).passthrough(), raw);
    if (!body.first_name && !body.last_name && !body.email) {
      throw validationError({ base: ['a customer needs a name or an email'] });
    }
    const custom = applyCustom(ctx, {}, raw, true);
    checkRequiredCustom(ctx, 'customer', custom);
    if (body.public_id && state.customers.all().some((c) => c.public_id === body.public_id)) {
      throw validationError({ public_id: ['has already been taken'] });
    }
    const at = state.nowIso();
    const customer = state.customers.insert((id) => ({
      id,
      uuid: state.uuid(3, id),
      public_id: body.public_id ?? nextCustomerNumber(ctx),
      first_name: body.first_name ?? null,
      last_name: body.last_name ?? null,
      email: body.email ?? null,
      phone: body.phone ?? null,
      'active?': boolField(raw, 'active') ?? true,
      custom,
      created_at: at,
      updated_at: at,
    }));
    state.emit('customer_created', customer);
    return sendCreated(ctx, reply, `/customers/${customer.id}`);
  });

  app.put('/api/customers/:id', async (request) => {
    const id = idParam(request);
    const customer = must(state.customers.get(id), 'Customer', id);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const body = parseBody(z.object(customerFields).passthrough(), raw);
    if (body.public_id !== undefined) customer.public_id = body.public_id;
    if (body.first_name !== undefined) customer.first_name = body.first_name;
    if (body.last_name !== undefined) customer.last_name = body.last_name;
    if (body.email !== undefined) customer.email = body.email;
    if (body.phone !== undefined) customer.phone = body.phone;
    const active = boolField(raw, 'active');
    if (active !== undefined) customer['active?'] = active;
    customer.custom = applyCustom(ctx, customer.custom, raw, false);
    customer.updated_at = state.nowIso();
    state.emit('customer_updated', customer);
    return { ...customer };
  });

  registerChildList(app, ctx, 'customers', 'addresses', state.customers, 'Customer', (id) =>
    state.addresses.where((a) => a.customer_id === id),
  );
  app.get('/api/customers/:id/addresses/:addressId', async (request) => {
    const id = idParam(request);
    const addressId = idParam(request, 'addressId');
    const address = state.addresses.get(addressId);
    return { ...must(address?.customer_id === id ? address : undefined, 'Address', addressId) };
  });
  app.post('/api/customers/:id/addresses', async (request, reply) => {
    const id = idParam(request);
    must(state.customers.get(id), 'Customer', id);
    const body = parseBody(z.object(addressFields).passthrough(), request.body);
    const at = state.nowIso();
    const address = state.addresses.insert((addressId) => ({
      id: addressId,
      customer_id: id,
      first_name: body.first_name ?? null,
      last_name: body.last_name ?? null,
      line_1: body.line_1 ?? null,
      line_2: body.line_2 ?? null,
      city: body.city ?? null,
      state: body.state ?? null,
      postal_code: body.postal_code ?? null,
      country: body.country ?? null,
      phone: body.phone ?? null,
      created_at: at,
      updated_at: at,
    }));
    return sendCreated(ctx, reply, `/customers/${id}/addresses/${address.id}`);
  });
  app.put('/api/customers/:id/addresses/:addressId', async (request) => {
    const id = idParam(request);
    const addressId = idParam(request, 'addressId');
    const found = state.addresses.get(addressId);
    const address = must(found?.customer_id === id ? found : undefined, 'Address', addressId);
    const body = parseBody(z.object(addressFields).passthrough(), request.body);
    for (const key of Object.keys(addressFields) as (keyof typeof addressFields)[]) {
      const v = body[key];
      if (v !== undefined) address[key] = v;
    }
    address.updated_at = state.nowIso();
    return { ...address };
  });
}

function nextCustomerNumber(ctx: HlContext): string {
  const taken = new Set(ctx.state.customers.all().map((c) => c.public_id));
  for (;;) {
    const candidate = ctx.state.nextPublicId('customer');
    if (!taken.has(candidate)) return candidate;
  }
}
