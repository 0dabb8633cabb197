import { ApiBlueprint, discoveryApiRef, fetchApiRef } from '@backstage/frontend-plugin-api';
import { BillingClient, billingApiRef } from '../api';

/** The client of the billing backend. */
export const billingApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: billingApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) => new BillingClient({ discoveryApi, fetchApi }),
    }),
});

export default [billingApi];
