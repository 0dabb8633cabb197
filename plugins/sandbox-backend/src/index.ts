/**
 * The sandbox backend plugin: sandboxes, their drivers (Docker, in-memory), the reconciler and
 * the REST API at /api/sandbox, plus MCP actions.
 *
 * @packageDocumentation
 */
export { sandboxPlugin as default } from './plugin';
export type { SandboxDriver, SandboxSpec, SandboxInstance } from './drivers/types';
export {
  sandboxConditions,
  createSandboxConditionalDecision,
  workspaceConditions,
  createWorkspaceConditionalDecision,
} from './permissions/conditions';
