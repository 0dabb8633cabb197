import { PageBlueprint } from '@backstage/frontend-plugin-api';
import DnsIcon from '@material-ui/icons/Dns';
import GroupWorkIcon from '@material-ui/icons/GroupWork';
import HistoryIcon from '@material-ui/icons/History';
import {
  auditRouteRef,
  rootRouteRef,
  sandboxRouteRef,
  workspaceRouteRef,
  workspacesRouteRef,
} from '../routes';

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

/** `/workspaces`, the "Workspaces" nav item. */
export const sandboxWorkspacesPage = PageBlueprint.make({
  name: 'workspaces',
  params: {
    path: '/workspaces',
    routeRef: workspacesRouteRef,
    title: 'Workspaces',
    icon: <GroupWorkIcon fontSize="inherit" />,
    loader: () => import('../components/WorkspacesPage').then(m => <m.WorkspacesPage />),
  },
});

/** `/workspaces/:name`. No icon, so it stays out of the nav. */
export const sandboxWorkspacePage = PageBlueprint.make({
  name: 'workspace',
  params: {
    path: '/workspaces/:name',
    routeRef: workspaceRouteRef,
    loader: () => import('../components/WorkspacePage').then(m => <m.WorkspacePage />),
  },
});

/** `/audit`, the "Audit log" nav item. */
export const sandboxAuditPage = PageBlueprint.make({
  name: 'audit',
  params: {
    path: '/audit',
    routeRef: auditRouteRef,
    title: 'Audit log',
    icon: <HistoryIcon fontSize="inherit" />,
    loader: () => import('../components/AuditLogPage').then(m => <m.AuditLogPage />),
  },
});

export default [
  sandboxListPage,
  sandboxDetailPage,
  sandboxWorkspacesPage,
  sandboxWorkspacePage,
  sandboxAuditPage,
];
