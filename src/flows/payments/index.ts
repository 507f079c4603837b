/** Payment reconciliation: BigCommerce transactions and refunds against Heartland deposits. */
export {
  createPaymentsHandlers,
  PAYMENTS_SETTLE_MS,
  PAYMENTS_TASK,
  paymentsSchedule,
  recordPaymentsReport,
} from './handlers.js';
export {
  type PaymentsContext,
  type PaymentsReport,
  type PaymentsReportOptions,
  reconcilePayments,
} from './reconcile-payments.js';
