import { createPermission } from '@backstage/plugin-permission-common';

/** Read invoices, usage, allocation and budgets. */
export const billingViewPermission = createPermission({
  name: 'billing.view',
  attributes: { action: 'read' },
});

/** Change plans, grant credits, finalize / void / mark invoices paid, run ingestion. */
export const billingAdminPermission = createPermission({
  name: 'billing.admin',
  attributes: { action: 'update' },
});

export const billingPermissions = [billingViewPermission, billingAdminPermission];
