import { PageBlueprint } from '@backstage/frontend-plugin-api';
import { rootRouteRef } from '../routes';
import { BillingIcon } from './BillingIcon';

/**
 * `/billing`. Its title and icon also make it the "Billing" nav item: in this
 * frontend-plugin-api release nav items are derived from pages.
 */
export const billingPage = PageBlueprint.make({
  params: {
    path: '/billing',
    routeRef: rootRouteRef,
    title: 'Billing',
    icon: <BillingIcon fontSize="inherit" />,
    loader: () => import('../components/BillingPage').then(m => <m.BillingPage />),
  },
});

export default [billingPage];
