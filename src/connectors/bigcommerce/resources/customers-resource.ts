/**
 * Customers (v3). Writes take at most 10 records (413 above); lists are split here.
 */
import { z } from 'zod';
import type { BigCommerceClient, Query } from '../bigcommerce-client.js';
import { collect, type Page, type PaginateOptions, paginateV3 } from '../pagination.js';
import { type BcCustomer, customerSchema, v3Envelope } from '../schemas.js';
import type { CustomerCreate, CustomerUpdate } from './body-types.js';
import { chunks } from './catalog-resource.js';

export const CUSTOMER_BATCH_MAX = 10;

export class CustomersResource {
  constructor(private readonly c: BigCommerceClient) {}

  list(query: Query = {}, opts: PaginateOptions = {}): AsyncGenerator<Page<BcCustomer>> {
    return paginateV3(this.c, '/v3/customers', customerSchema, {
      ...opts,
      query: { ...query, ...opts.query },
    });
  }

  async get(customerId: number, include?: string): Promise<BcCustomer | undefined> {
    const all = await collect(this.list({ 'id:in': [customerId], include }));
    return all[0];
  }

  async byEmail(emails: readonly string[], include?: string): Promise<BcCustomer[]> {
    const out: BcCustomer[] = [];
    for (const chunk of chunks(emails, 50))
      out.push(...(await collect(this.list({ 'email:in': chunk, include }))));
    return out;
  }

  async create(customers: readonly CustomerCreate[]): Promise<BcCustomer[]> {
    return this.write('POST', customers);
  }

  async update(customers: readonly CustomerUpdate[]): Promise<BcCustomer[]> {
    return this.write('PUT', customers);
  }

  private async write(method: 'POST' | 'PUT', records: readonly unknown[]): Promise<BcCustomer[]> {
    const out: BcCustomer[] = [];
    for (const chunk of chunks(records, CUSTOMER_BATCH_MAX)) {
      const r = await this.c.sendJson(method, '/v3/customers', chunk, v3Envelope(z.array(customerSchema)));
      out.push(...r.data);
    }
    return out;
  }
}
