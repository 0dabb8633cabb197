import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';

/** On a Group's page: this period's cost of the workspaces the group backs, and their budgets. */
export const billingGroupEntityCard = EntityCardBlueprint.make({
  name: 'group',
  params: {
    filter: { kind: 'group' },
    loader: () => import('../components/GroupBillingCard').then(m => <m.GroupBillingCard />),
  },
});

export default [billingGroupEntityCard];
