import type { Sandbox } from '@internal/plugin-sandbox-common';
import type { z as zv3 } from 'zod/v3';

/** The compact view of a sandbox that actions return to agents. */
export function sandboxOutputSchema(z: typeof zv3) {
  return z.object({
    id: z.string().describe('Sandbox id, used by the other sandbox actions'),
    name: z.string().describe('Sandbox name, unique in its workspace'),
    workspace: z.string().describe('Workspace (team) the sandbox belongs to'),
    owner: z.string().describe('Entity ref of the owning user'),
    template: z.string().describe('Template it was created from'),
    image: z.string().describe('Container image'),
    size: z.string().describe('Size name (small, medium, large)'),
    state: z
      .string()
      .describe('pending, provisioning, running, pausing, paused, resuming, stopping, stopped, deleting, deleted or failed'),
    reason: z.string().optional().describe('Why the sandbox failed or was stopped, when known'),
    createdAt: z.string().describe('ISO timestamp of creation'),
    links: z
      .object({
        portal: z.string().describe('Sandbox page in the portal'),
        vscode: z.string().optional().describe('Open in VS Code (Remote-SSH) deep link'),
        jetbrainsGateway: z.string().optional().describe('Open in JetBrains Gateway deep link'),
      })
      .describe('Links to open the sandbox'),
    entityRef: z.string().describe('Catalog entity ref of the sandbox Resource'),
  });
}

export function toSandboxOutput(s: Sandbox) {
  return {
    id: s.id,
    name: s.name,
    workspace: s.workspace,
    owner: s.owner,
    template: s.template,
    image: s.image,
    size: s.size.name,
    state: s.state,
    ...(s.reason ? { reason: s.reason } : {}),
    createdAt: s.createdAt,
    links: s.links,
    entityRef: s.entityRef,
  };
}
