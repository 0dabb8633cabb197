export { billingPlugin as default } from './plugin';
export { billingPlugin } from './plugin';
export { billingApi } from './apis';
export { billingPage } from './pages';
export { billingGroupEntityCard } from './entityCards';
