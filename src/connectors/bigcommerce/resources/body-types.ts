/**
 * Request-body types taken from the generated OpenAPI types (`../generated`), so a write that does not
 * match the official spec fails to compile. Responses are typed by the zod schemas of what we read.
 */
import type { operations as Customers } from '../generated/customers-v3.js';
import type { components as Inventory } from '../generated/inventory-v3.js';
import type { operations as Locations } from '../generated/locations-v3.js';
import type { operations as Marketing } from '../generated/marketing-v2.js';
import type { operations as OrdersV2 } from '../generated/orders-v2.js';
import type { operations as OrdersV3 } from '../generated/orders-v3.js';
import type { operations as Variants } from '../generated/product-variants-catalog-v3.js';
import type { operations as Products } from '../generated/products-catalog-v3.js';
import type { operations as Webhooks } from '../generated/webhooks-v3.js';

/** The JSON request body of an operation. */
export type JsonBody<Op> = Op extends { requestBody?: { content: { 'application/json': infer B } } }
  ? B
  : never;
type ItemOf<T> = T extends ReadonlyArray<infer I> ? I : T;

export type OrderUpdateBody = JsonBody<OrdersV2['updateOrder']>;
export type ShipmentCreateBody = JsonBody<OrdersV2['createOrderShipments']>;
export type CaptureBody = JsonBody<OrdersV3['captureOrderPayment']>;
export type RefundCreateBody = JsonBody<OrdersV3['createOrderRefund']>;
export type ProductUpdate = ItemOf<JsonBody<Products['updateProducts']>>;
export type ProductCreateBody = JsonBody<Products['createProduct']>;
export type VariantUpdate = ItemOf<JsonBody<Variants['updateVariantsBatch']>>;
export type CustomerCreate = ItemOf<JsonBody<Customers['createCustomers']>>;
export type CustomerUpdate = ItemOf<JsonBody<Customers['updateCustomers']>>;
export type AbsoluteAdjustmentsBody = Inventory['schemas']['AdjustmentsAbsoluteRequest'];
export type AbsoluteAdjustmentItem = ItemOf<AbsoluteAdjustmentsBody['items']>;
export type RelativeAdjustmentsBody = Inventory['schemas']['AdjustmentsRelativeRequest'];
export type LocationCreate = ItemOf<JsonBody<Locations['createLocations']>>;
export type LocationUpdate = ItemOf<JsonBody<Locations['updateLocations']>>;
export type GiftCertificateCreateBody = JsonBody<Marketing['createGiftCertificate']>;
export type GiftCertificateUpdateBody = JsonBody<Marketing['updateGiftCertificate']>;
export type HookCreateBody = JsonBody<Webhooks['createWebhooks']>;
export type HookUpdateBody = JsonBody<Webhooks['updateWebhook']>;
