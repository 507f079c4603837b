/**
 * Heartland error body `{error, message, details: {field: [...]}}` (NOTES §3, [C2]). Route handlers throw
 * `HlHttpError`; the simulator's error handler renders it. The HTTP status of validation errors is
 * [UNKNOWN]; the simulator uses `options.validationStatus` (default 422, what S12 assumes).
 */
export type HlErrorDetails = Record<string, string[]>;

export class HlHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: HlErrorDetails = {},
  ) {
    super(message);
    this.name = 'HlHttpError';
  }
}

/** Marker status replaced by the configured validation status when rendered. */
export const VALIDATION = -422;

export function validationError(details: HlErrorDetails, message?: string): HlHttpError {
  const first = Object.entries(details)[0];
  const text = message ?? (first ? `${first[0]} ${first[1][0] ?? 'is invalid'}` : 'Validation failed');
  return new HlHttpError(VALIDATION, 'validation_error', text, details);
}

export function notFound(what: string, id: string | number): HlHttpError {
  return new HlHttpError(404, 'not_found', `${what} ${id} not found`, {});
}

export function errorBody(err: HlHttpError): { error: string; message: string; details: HlErrorDetails } {
  return { error: err.code, message: err.message, details: err.details };
}
