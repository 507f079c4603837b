/** Public surface of the mapping layer (pure functions; see each module for the decisions it makes). */
export {
  type BcAddressInput,
  type HlAddress,
  hlAddressToBcInput,
  type NormalizedAddress,
  normalizeAddress,
  normalizePostalCode,
} from './address.js';
export * from './bc-input.js';
export { countryName, countryToIso2 } from './country.js';
export {
  type CustomerDecision,
  customerDraftFromOrder,
  decideCustomer,
  type HlCustomerCandidate,
  type HlCustomerDraft,
} from './customer-match.js';
export * from './hl-draft.js';
export {
  DEFAULT_EXPRESSION_LIMITS,
  type ExpressionLimits,
  evaluateExpression,
  evaluateExpressions,
} from './jsonata-eval.js';
export * from './mapping-config.js';
export * from './money.js';
export {
  hashDraft,
  type MapOrderInput,
  type MapOrderResult,
  mapOrder,
  type Problem,
  type ProblemCode,
} from './order-to-sales-order.js';
export { normalizePhone, type PhoneResult } from './phone.js';
export {
  buildSkuIndex,
  type CatalogueEntry,
  describeSuggestions,
  type SkuIndex,
  type SkuSuggestion,
  suggestSkus,
} from './sku-suggest.js';
export { canonicalJson, stableHash } from './stable-hash.js';
export {
  bcStatusToHeartland,
  type HlStatusDecision,
  hlStatusToBigCommerce,
  isForwardHlTransition,
} from './status-map.js';
