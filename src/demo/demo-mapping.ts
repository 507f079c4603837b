/**
 * The mapping config the demo runs with: what a merchant would write in heartbridge.yaml for the
 * sandbox's seeded Heartland account (a "Web Orders" station, payment types Cash / Credit Card /
 * BigCommerce / Gift Card / Store Credit, shipping methods Ground / Two Day / …).
 *
 * Every payment method the simulated storefront uses is mapped, and there is deliberately NO default
 * payment type: an order paid with something nobody mapped must be quarantined (with the mapping key to
 * add), not booked under a guess. The demo places one such order on purpose.
 */
import type { MappingConfigInput } from '../mapping/mapping-config.js';
import type { Sandbox } from '../sandbox/index.js';

/** The payment method of the demo's deliberately unmapped order. */
export const UNMAPPED_PAYMENT_METHOD = 'Crypto Wallet';

export function demoMapping(sandbox: Pick<Sandbox, 'hl'>): MappingConfigInput {
  const stations = sandbox.hl.state.stations.all();
  const station = stations.find((s) => s.name === 'Web Orders') ?? stations[0];
  if (!station) throw new Error('the Heartland sandbox has no station');
  return {
    defaults: { stationId: station.id, sourceLocationId: station.location_id },
    paymentMethods: {
      byName: {
        'Credit Card': { name: 'Credit Card' },
        'Apple Pay': { name: 'Credit Card' },
        PayPal: { name: 'BigCommerce' },
        'Bank Deposit': { name: 'BigCommerce' },
        'Cash on Delivery': { name: 'Cash' },
        'Gift Certificate': { name: 'Gift Card' },
      },
      byGateway: {},
      byMethod: {},
      giftCertificate: { name: 'Gift Card' },
      storeCredit: { name: 'Store Credit' },
    },
    shippingMethods: {
      byName: { 'Flat Rate': { name: 'Ground' }, 'Free Shipping': { name: 'Ground' } },
      default: { name: 'Ground' },
      required: false,
    },
  };
}
