/**
 * One object per store connection: the client plus its resources. Flows take this.
 */
import { BigCommerceClient, type BigCommerceClientOptions } from './bigcommerce-client.js';
import { CatalogResource } from './resources/catalog-resource.js';
import { CustomersResource } from './resources/customers-resource.js';
import { GiftCertificatesResource } from './resources/gift-certificates-resource.js';
import { HooksResource } from './resources/hooks-resource.js';
import { InventoryResource } from './resources/inventory-resource.js';
import { OrdersResource } from './resources/orders-resource.js';

export class BigCommerceApi {
  readonly client: BigCommerceClient;
  readonly orders: OrdersResource;
  readonly catalog: CatalogResource;
  readonly inventory: InventoryResource;
  readonly customers: CustomersResource;
  readonly giftCertificates: GiftCertificatesResource;
  readonly hooks: HooksResource;

  constructor(clientOrOptions: BigCommerceClient | BigCommerceClientOptions) {
    this.client =
      clientOrOptions instanceof BigCommerceClient ? clientOrOptions : new BigCommerceClient(clientOrOptions);
    this.orders = new OrdersResource(this.client);
    this.catalog = new CatalogResource(this.client);
    this.inventory = new InventoryResource(this.client);
    this.customers = new CustomersResource(this.client);
    this.giftCertificates = new GiftCertificatesResource(this.client);
    this.hooks = new HooksResource(this.client);
  }
}
