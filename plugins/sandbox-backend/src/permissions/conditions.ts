import { createConditionExports } from '@backstage/plugin-permission-node';
import { sandboxResourceRef, workspaceResourceRef } from './resources';
import { isSandboxOwner, sandboxHasWorkspaceRole, workspaceHasRole } from './rules';

/** Conditions for permission policies on sandboxes (resourceRef = sandbox id). */
export const {
  conditions: sandboxConditions,
  createConditionalDecision: createSandboxConditionalDecision,
} = createConditionExports({
  resourceRef: sandboxResourceRef,
  rules: { hasWorkspaceRole: sandboxHasWorkspaceRole, isSandboxOwner },
});

/** Conditions for permission policies on workspaces (resourceRef = workspace name). */
export const {
  conditions: workspaceConditions,
  createConditionalDecision: createWorkspaceConditionalDecision,
} = createConditionExports({
  resourceRef: workspaceResourceRef,
  rules: { hasWorkspaceRole: workspaceHasRole },
});
