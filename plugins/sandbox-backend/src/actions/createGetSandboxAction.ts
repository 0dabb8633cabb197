import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { sandboxReadPermission } from '@internal/plugin-sandbox-common';
import { SandboxService } from '../service/SandboxService';
import { SandboxAuthorizer } from '../service/authorize';
import { sandboxOutputSchema, toSandboxOutput } from './shared';

export const createGetSandboxAction = ({
  service,
  authorizer,
  actionsRegistry,
}: {
  service: SandboxService;
  authorizer: SandboxAuthorizer;
  actionsRegistry: ActionsRegistryService;
}) => {
  actionsRegistry.register({
    name: 'get-sandbox',
    title: 'Get sandbox',
    description: `Returns one sandbox by id: its state, the reason when it failed, and its links.

## When to use
To check whether a sandbox is running before using it, or why it failed.`,
    attributes: { readOnly: true, idempotent: true, destructive: false },
    schema: {
      input: z => z.object({ id: z.string().describe('Sandbox id') }),
      output: z => sandboxOutputSchema(z),
    },
    examples: [{ title: 'One sandbox', input: { id: '3f2a9c0d1e4b5a68' } }],
    action: async ({ input, credentials }) => {
      await authorizer.authorize(credentials, sandboxReadPermission, input.id);
      return { output: toSandboxOutput(await service.get(input.id)) };
    },
  });
};
