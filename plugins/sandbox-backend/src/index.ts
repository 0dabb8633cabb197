/**
 * The sandbox backend plugin: sandboxes, their drivers (Docker, in-memory), the reconciler and
 * the REST API at /api/sandbox, plus MCP actions.
 *
 * @packageDocumentation
 */
export { sandboxPlugin as default } from './plugin';
export type { SandboxDriver, SandboxSpec, SandboxInstance } from './drivers/types';
/** HTTP upgrades (WebSocket) of the port proxy; the root HTTP router attaches its server to it. */
export { sandboxUpgrades } from './inside/upgrades';
export {
  sandboxConditions,
  createSandboxConditionalDecision,
  workspaceConditions,
  createWorkspaceConditionalDecision,
} from './permissions/conditions';
