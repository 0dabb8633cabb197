import { createRouteRef } from '@backstage/frontend-plugin-api';

/** The billing page, `/billing`. */
export const rootRouteRef = createRouteRef();
