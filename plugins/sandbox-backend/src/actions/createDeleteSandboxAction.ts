import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { sandboxDeletePermission } from '@internal/plugin-sandbox-common';
import { SandboxService } from '../service/SandboxService';
import { SandboxAuthorizer } from '../service/authorize';
import { sandboxOutputSchema, toSandboxOutput } from './shared';

export const createDeleteSandboxAction = ({
  service,
  authorizer,
  actionsRegistry,
}: {
  service: SandboxService;
  authorizer: SandboxAuthorizer;
  actionsRegistry: ActionsRegistryService;
}) => {
  actionsRegistry.register({
    name: 'delete-sandbox',
    title: 'Delete sandbox',
    description: `Deletes a sandbox with its container and /workspace volume. This cannot be undone.

## When to use
When the sandbox is no longer needed. Prefer stop-sandbox if the work may continue.`,
    attributes: { destructive: true, idempotent: false, readOnly: false },
    schema: {
      input: z => z.object({ id: z.string().describe('Sandbox id') }),
      output: z => sandboxOutputSchema(z),
    },
    examples: [{ title: 'Delete a sandbox', input: { id: '3f2a9c0d1e4b5a68' } }],
    action: async ({ input, credentials }) => {
      await authorizer.authorize(credentials, sandboxDeletePermission, input.id);
      return { output: toSandboxOutput(await service.delete(input.id)) };
    },
  });
};
