export { type AdminAuthHandler, createAdminAuth } from './admin-auth.js';
export { type BuildServerOptions, buildServer } from './build-server.js';
export {
  type ErrorBody,
  errorBody,
  HTTP_ERROR_CODES,
  HttpError,
  type HttpErrorCode,
  sendError,
} from './http-errors.js';
export { type CreateMetricsOptions, createMetrics, type Metrics, type QueueStatsSource } from './metrics.js';
