import { describe, expect, it } from 'vitest';
import { BC_ERROR_CODES, bigCommerceError } from '../../src/connectors/bigcommerce/errors.js';
import { HL_ERROR_CODES, heartlandError } from '../../src/connectors/heartland/errors.js';
import type { HttpResponse } from '../../src/connectors/shared/http-transport.js';

const res = (status: number, body: unknown = {}): HttpResponse => ({
  status,
  headers: new Headers(),
  text: '',
  body,
  receivedAt: Date.now(),
});

describe('connector error codes', () => {
  it('every code is HB_ERR_<AREA>_<WHAT> with a suggested fix, and every mapped status uses a registered code', () => {
    for (const [code, fix] of [...Object.entries(BC_ERROR_CODES), ...Object.entries(HL_ERROR_CODES)]) {
      expect(code).toMatch(/^HB_ERR_(BC|HL)_[A-Z_]+$/);
      expect(fix.length).toBeGreaterThan(20);
    }
    for (const status of [400, 401, 403, 404, 409, 413, 418, 422, 429, 500, 502, 503, 507]) {
      const bc = bigCommerceError({ kind: 'response', response: res(status) }, { method: 'GET', path: '/x' });
      const hl = heartlandError({ kind: 'response', response: res(status) }, { method: 'GET', path: '/x' });
      expect(Object.keys(BC_ERROR_CODES)).toContain(bc.code);
      expect(Object.keys(HL_ERROR_CODES)).toContain(hl.code);
      expect(bc.retryable).toBe(status === 429 || (status >= 500 && status !== 507));
      expect(hl.retryable).toBe(status === 429 || status >= 500);
    }
  });

  it('429 waits the longer of X-Retry-After and X-Rate-Limit-Time-Reset-Ms', () => {
    const r = {
      ...res(429),
      headers: new Headers({ 'x-retry-after': '15', 'x-rate-limit-time-reset-ms': '20000' }),
    };
    const err = bigCommerceError({ kind: 'response', response: r }, { method: 'GET', path: '/x' }, 1000);
    expect((err as { notBefore?: number }).notBefore).toBe(21_000);
  });
});
