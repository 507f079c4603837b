/**
 * Gift certificates (v2 marketing). There is no webhook for them: flows poll (NOTES §8, §12).
 */
import type { BigCommerceClient, Query } from '../bigcommerce-client.js';
import { type Page, type PaginateOptions, paginateV2 } from '../pagination.js';
import { type BcGiftCertificate, giftCertificateSchema } from '../schemas.js';
import type { GiftCertificateCreateBody, GiftCertificateUpdateBody } from './body-types.js';

export class GiftCertificatesResource {
  constructor(private readonly c: BigCommerceClient) {}

  list(query: Query = {}, opts: PaginateOptions = {}): AsyncGenerator<Page<BcGiftCertificate>> {
    return paginateV2(this.c, '/v2/gift_certificates', giftCertificateSchema, {
      ...opts,
      query: { ...query, ...opts.query },
    });
  }

  get(id: number): Promise<BcGiftCertificate> {
    return this.c.getJson(`/v2/gift_certificates/${id}`, giftCertificateSchema);
  }

  async byCode(code: string): Promise<BcGiftCertificate | undefined> {
    for await (const page of this.list({ code })) {
      const hit = page.items.find((g) => g.code === code);
      if (hit) return hit;
    }
    return undefined;
  }

  create(body: GiftCertificateCreateBody): Promise<BcGiftCertificate> {
    return this.c.sendJson('POST', '/v2/gift_certificates', body, giftCertificateSchema);
  }

  update(id: number, body: GiftCertificateUpdateBody): Promise<BcGiftCertificate> {
    return this.c.sendJson('PUT', `/v2/gift_certificates/${id}`, body, giftCertificateSchema);
  }
}
