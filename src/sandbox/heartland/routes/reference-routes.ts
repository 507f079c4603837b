/**
 * Reference data: `/api/payment_types`, `/api/shipping_methods`, `/api/reason_codes/*`,
 * `/api/custom_fields` (NOTES §8, §10, §13). Custom-field `required`/`unique` are written bare and read
 * back as `required?`/`unique?` like every other boolean.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { validationError } from '../hl-errors.js';
import { boolField, type HlContext, idParam, must, parseBody, sendCreated } from '../hl-http.js';
import type { HlNamed } from '../hl-records.js';
import type { HlTable } from '../hl-table.js';
import { registerReads } from '../read-routes.js';

const namedBody = z.object({
  name: z.string().min(1, "can't be blank"),
  description: z.string().nullable().optional(),
});

export function registerReferenceRoutes(app: FastifyInstance, ctx: HlContext): void {
  const { state } = ctx;
  const named = (path: string, table: HlTable<HlNamed>) => {
    registerReads(app, ctx, path, table, path);
    app.post(`/api/${path}`, async (request, reply) => {
      const raw = (request.body ?? {}) as Record<string, unknown>;
      const body = parseBody(namedBody.passthrough(), raw);
      const row = table.insert((id) => ({
        id,
        name: body.name,
        description: body.description ?? null,
        'active?': boolField(raw, 'active') ?? true,
        created_at: state.nowIso(),
      }));
      return sendCreated(ctx, reply, `/${path}/${row.id}`);
    });
  };
  named('payment_types', state.paymentTypes);
  named('shipping_methods', state.shippingMethods);
  named('reason_codes/inventory_adjustment_reasons', state.inventoryAdjustmentReasons);
  named('reason_codes/gift_card_adjustment_reasons', state.giftCardAdjustmentReasons);

  const fieldBody = z
    .object({
      group_id: z.string().min(1),
      key: z.string().regex(/^[a-z0-9_]+$/, 'must be snake_case'),
      name: z.string().min(1),
      validation_type: z.string().optional(),
      metadata: z.record(z.string(), z.unknown()).optional(),
    })
    .passthrough();

  registerReads(app, ctx, 'custom_fields', state.customFields, 'Custom field');
  app.post('/api/custom_fields', async (request, reply) => {
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const body = parseBody(fieldBody, raw);
    if (state.customFields.all().some((f) => f.group_id === body.group_id && f.key === body.key)) {
      throw validationError({ key: ['has already been taken'] });
    }
    const at = state.nowIso();
    const def = state.customFields.insert((id) => ({
      id,
      group_id: body.group_id,
      key: body.key,
      name: body.name,
      'required?': boolField(raw, 'required') ?? false,
      'unique?': boolField(raw, 'unique') ?? false,
      validation_type: body.validation_type ?? 'text',
      metadata: body.metadata ?? {},
      created_at: at,
      updated_at: at,
    }));
    return sendCreated(ctx, reply, `/custom_fields/${def.id}`);
  });
  app.put('/api/custom_fields/:id', async (request) => {
    const id = idParam(request);
    const def = must(state.customFields.get(id), 'Custom field', id);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const body = parseBody(fieldBody.partial(), raw);
    if (body.name !== undefined) def.name = body.name;
    if (body.validation_type !== undefined) def.validation_type = body.validation_type;
    if (body.metadata !== undefined) def.metadata = body.metadata;
    const req = boolField(raw, 'required');
    if (req !== undefined) def['required?'] = req;
    const uniq = boolField(raw, 'unique');
    if (uniq !== undefined) def['unique?'] = uniq;
    def.updated_at = state.nowIso();
    return { ...def };
  });
}
