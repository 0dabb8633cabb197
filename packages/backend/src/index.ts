/*
 * The portal backend: Backstage's core plugins plus ours, on the new backend system.
 */
import { createBackend } from '@backstage/backend-defaults';
import { instrumentedRootHttpRouter } from './metrics/rootHttpRouter';
import { permissionPolicyModule } from './modules/permissionPolicy';

const backend = createBackend();

// Root HTTP router with Prometheus metrics (/metrics, http_request_duration_seconds).
backend.add(instrumentedRootHttpRouter);

backend.add(import('@backstage/plugin-app-backend'));
backend.add(import('@backstage/plugin-proxy-backend'));

// scaffolder
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-github'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-notifications'));
backend.add(import('@internal/plugin-scaffolder-backend-module-sandbox'));

// techdocs
backend.add(import('@backstage/plugin-techdocs-backend'));

// auth: guest locally; GitHub and OIDC are configured in app-config.production.yaml
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
backend.add(import('@backstage/plugin-auth-backend-module-github-provider'));
backend.add(import('@backstage/plugin-auth-backend-module-oidc-provider'));

// catalog
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'));
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));
backend.add(import('@internal/plugin-catalog-backend-module-sandbox'));

// permissions, with the portal's own policy
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(permissionPolicyModule);

// search (PostgreSQL engine in production, Lunr in memory on SQLite)
backend.add(import('@backstage/plugin-search-backend'));
backend.add(import('@backstage/plugin-search-backend-module-pg'));
backend.add(import('@backstage/plugin-search-backend-module-catalog'));
backend.add(import('@backstage/plugin-search-backend-module-techdocs'));

// sandboxes: REST API /api/sandbox, MCP actions, reconciler
backend.add(import('@internal/plugin-sandbox-backend'));

// billing: plans, usage ingestion from the sandbox ledger, invoices, allocation, budgets (/api/billing)
backend.add(import('@internal/plugin-billing-backend'));

// kubernetes
backend.add(import('@backstage/plugin-kubernetes-backend'));

// user settings, notifications, signals, MCP actions
backend.add(import('@backstage/plugin-user-settings-backend'));
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));
backend.add(import('@backstage/plugin-mcp-actions-backend'));

backend.start();
