/**
 * Billing backend: plans, subscriptions, usage ingestion from the sandbox ledger, rating,
 * invoices, credits, payment providers, cost allocation and budgets.
 * @packageDocumentation
 */
export { billingPlugin as default } from './plugin';
export type { PaymentProvider } from './service/payments';
export { ManualInvoiceProvider, StripeProvider } from './service/payments';
