/** Public surface of the Heartland connector. */
export { type ConnectHeartlandOptions, type ConnectResult, connectHeartland } from './connect-flow.js';
export { HL_ERROR_CODES, type HlErrorCode, heartlandError } from './errors.js';
export { customField, encodeFilter, type HlFilter, hlFilter } from './filter.js';
export { HeartlandApi } from './heartland-api.js';
export {
  encodeHlQuery,
  HeartlandClient,
  type HeartlandClientOptions,
  type HlKeysetPage,
  type HlPage,
  type HlQuery,
  idFromLocation,
} from './heartland-client.js';
export {
  DEFAULT_HL_EVENTS,
  heartlandHooksStatus,
  heartlandHookUrl,
  installHeartlandHooks,
} from './hl-hooks-registration.js';
export { normaliseBooleanKeys } from './normalise.js';
export {
  authorizeUrl,
  exchangeCode,
  HEARTLAND_OAUTH_BASE,
  type HeartlandOAuthConfig,
  type HeartlandToken,
} from './oauth.js';
export type * from './schemas.js';
export {
  type HlDeliveryResult,
  type HlRecordKind,
  inferHeartlandKind,
  parseHeartlandDelivery,
  verifyHeartlandUrlSecret,
} from './webhooks.js';
