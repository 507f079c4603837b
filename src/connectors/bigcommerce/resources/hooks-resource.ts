/**
 * Webhook subscriptions (v3 `/hooks`). Only the API account that created a hook can see it.
 */
import type { BigCommerceClient, Query } from '../bigcommerce-client.js';
import { collect, paginateV3 } from '../pagination.js';
import { type BcHook, hookSchema, v3Envelope } from '../schemas.js';
import type { HookCreateBody, HookUpdateBody } from './body-types.js';

export class HooksResource {
  constructor(private readonly c: BigCommerceClient) {}

  list(query: Query = {}): Promise<BcHook[]> {
    return collect(paginateV3(this.c, '/v3/hooks', hookSchema, { query }));
  }

  async get(id: number): Promise<BcHook> {
    return (await this.c.getJson(`/v3/hooks/${id}`, v3Envelope(hookSchema))).data;
  }

  async create(body: HookCreateBody): Promise<BcHook> {
    return (await this.c.sendJson('POST', '/v3/hooks', body, v3Envelope(hookSchema))).data;
  }

  async update(id: number, body: HookUpdateBody): Promise<BcHook> {
    return (await this.c.sendJson('PUT', `/v3/hooks/${id}`, body, v3Envelope(hookSchema))).data;
  }

  async delete(id: number): Promise<void> {
    await this.c.request('DELETE', `/v3/hooks/${id}`);
  }
}
