export { GroupBillingCard } from './GroupBillingCard';
