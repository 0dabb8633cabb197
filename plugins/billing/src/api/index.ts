export * from './BillingApi';
export { BillingClient } from './BillingClient';
