import { PageBlueprint } from '@backstage/frontend-plugin-api';
import DnsIcon from '@material-ui/icons/Dns';
import { rootRouteRef, sandboxRouteRef } from '../routes';

/**
 * `/sandboxes`. Its title and icon also make it the "Sandboxes" nav item: in
 * this frontend-plugin-api release nav items are derived from pages (there is
 * no NavItemBlueprint any more).
 */
export const sandboxListPage = PageBlueprint.make({
  params: {
    path: '/sandboxes',
    routeRef: rootRouteRef,
    title: 'Sandboxes',
    icon: <DnsIcon fontSize="inherit" />,
    loader: () => import('../components/SandboxListPage').then(m => <m.SandboxListPage />),
  },
});

/** `/sandboxes/:id`. No icon, so it stays out of the nav. */
export const sandboxDetailPage = PageBlueprint.make({
  name: 'details',
  params: {
    path: '/sandboxes/:id',
    routeRef: sandboxRouteRef,
    loader: () => import('../components/SandboxDetailPage').then(m => <m.SandboxDetailPage />),
  },
});

export default [sandboxListPage, sandboxDetailPage];
