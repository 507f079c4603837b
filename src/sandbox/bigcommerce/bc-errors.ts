/**
 * Errors in BigCommerce's two shapes. Route code throws `BcError`; the simulator's error handler
 * renders it as v2 `[{status, message}]` or v3 `{status, title, type, errors}` depending on the path.
 */

export const ERROR_TYPE = 'https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes';

export class BcError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'BcError';
  }
}

export const notFound = (what = 'The requested resource was not found.') => new BcError(404, what);
export const unprocessable = (title: string, errors: Record<string, unknown> = {}) =>
  new BcError(422, title, errors);
export const badRequest = (title: string, errors: Record<string, unknown> = {}) =>
  new BcError(400, title, errors);

export function v2ErrorBody(status: number, message: string): Array<{ status: number; message: string }> {
  return [{ status, message }];
}

export function v3ErrorBody(
  status: number,
  title: string,
  errors: Record<string, unknown> = {},
): { status: number; title: string; type: string; errors: Record<string, unknown> } {
  return { status, title, type: ERROR_TYPE, errors };
}

/** v2 or v3, from the request path. */
export function apiVersionOf(url: string): 'v2' | 'v3' {
  return /^\/stores\/[^/]+\/v2(\/|$|\?)/.test(url) ? 'v2' : 'v3';
}

export function errorBody(
  url: string,
  status: number,
  message: string,
  errors: Record<string, unknown> = {},
) {
  return apiVersionOf(url) === 'v2' ? v2ErrorBody(status, message) : v3ErrorBody(status, message, errors);
}
