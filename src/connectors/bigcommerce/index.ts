/** Public surface of the BigCommerce connector. */
export { BigCommerceApi } from './bigcommerce-api.js';
export {
  BC_USER_AGENT,
  type BcResponse,
  BigCommerceClient,
  type BigCommerceClientOptions,
  encodeQuery,
  type Query,
  type RequestOptions,
} from './bigcommerce-client.js';
export { DbRateBudgetStore } from './db-rate-budget-store.js';
export {
  BC_ERROR_CODES,
  type BcErrorCode,
  bigCommerceError,
  parseErrorBody,
  rateLimitWaitMs,
} from './errors.js';
export {
  DEFAULT_BC_HOOK_SCOPES,
  type HookStatus,
  hookDestination,
  hooksStatus,
  type InstallHooksOptions,
  type InstallReport,
  installHooks,
} from './hooks-registration.js';
export { collect, itemsOf, type Page, type PaginateOptions, paginateV2, paginateV3 } from './pagination.js';
export {
  applyObservation,
  DEFAULT_RATE_POLICY,
  InMemoryRateBudgetStore,
  planSlot,
  type RateBudgetPolicy,
  type RateBudgetState,
  type RateBudgetStore,
  type RateObservation,
  type RequestPriority,
  readRateHeaders,
} from './rate-budget.js';
export type * from './resources/body-types.js';
export type * from './schemas.js';
export {
  type BcWebhookEnvelope,
  bcWebhookEnvelopeSchema,
  DEFAULT_SECRET_HEADER,
  type ParseResult,
  parseBigCommerceDelivery,
  routeScope,
  type ScopeRoute,
  signStandardWebhook,
  type VerifyOptions,
  type VerifyResult,
  verifyBigCommerceDelivery,
  verifyStandardWebhookSignature,
} from './webhooks.js';
