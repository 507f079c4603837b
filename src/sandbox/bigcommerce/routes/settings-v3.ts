/** v3 `/settings/inventory`: decides when orders move stock (see ../order-service.ts). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { unprocessable } from '../bc-errors.js';
import type { BcContext } from '../context.js';

const P = '/stores/:hash/v3/settings/inventory';

const settingsIn = z
  .object({
    update_stock_behavior: z.enum(['order_placed', 'order_completed_or_shipped']).optional(),
    edit_order_stock_adjustment: z.boolean().optional(),
    refund_order_stock_adjustment: z.boolean().optional(),
  })
  .passthrough();

export function registerSettingsV3(app: FastifyInstance, ctx: BcContext): void {
  const render = () => ({
    data: {
      product_out_of_stock_behavior: 'do_nothing',
      option_out_of_stock_behavior: 'do_nothing',
      ...ctx.state.inventorySettings,
      stock_level_display: 'dont_show',
      default_out_of_stock_message: '',
      hide_in_product_filtering: false,
      show_pre_order_stock_levels: false,
      show_out_of_stock_message: false,
    },
    meta: {},
  });

  app.get(P, async () => render());
  app.put(P, async (req) => {
    const r = settingsIn.safeParse(req.body);
    if (!r.success) throw unprocessable('Input is invalid', { settings: r.error.issues[0]?.message });
    const s = ctx.state.inventorySettings;
    if (r.data.update_stock_behavior !== undefined) s.update_stock_behavior = r.data.update_stock_behavior;
    if (r.data.edit_order_stock_adjustment !== undefined)
      s.edit_order_stock_adjustment = r.data.edit_order_stock_adjustment;
    if (r.data.refund_order_stock_adjustment !== undefined) {
      s.refund_order_stock_adjustment = r.data.refund_order_stock_adjustment;
    }
    return render();
  });
}
