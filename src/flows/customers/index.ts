/** The customer profile flow's public surface. */
export {
  type CustomerFieldDirection,
  type CustomersConfig,
  type CustomersConfigInput,
  customersConfigSchema,
  parseCustomersConfig,
  pollsHeartland,
} from './customers-config.js';
export { createCustomerHandlers, customerSchedules } from './handlers.js';
export {
  CUSTOMER_LINK_KIND,
  type CustomerResolution,
  createOrFindHlCustomer,
  customerLinkFor,
  ensureHlAddresses,
  findHlCustomer,
  type ShopperIdentity,
} from './hl-customer.js';
export {
  applyHlCustomer,
  bcCustomerIdOf,
  CUSTOMERS_CURSOR,
  type CustomerPollResult,
  type FromHlOutcome,
  pollCustomers,
} from './poll-customers.js';
export { CUSTOMER_QUARANTINE } from './quarantine.js';
export { CUSTOMER_TASKS, customerEntityKey, customerTopicRoute, hlCustomerEntityKey } from './routing.js';
export {
  CUSTOMER_REVIEW_KIND,
  type CustomerSyncOutcome,
  type CustomersFlowContext,
  syncBcCustomer,
} from './sync-customer.js';
