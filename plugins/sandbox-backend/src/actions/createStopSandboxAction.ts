import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { sandboxUpdatePermission } from '@internal/plugin-sandbox-common';
import { SandboxService } from '../service/SandboxService';
import { SandboxAuthorizer } from '../service/authorize';
import { sandboxOutputSchema, toSandboxOutput } from './shared';

export const createStopSandboxAction = ({
  service,
  authorizer,
  actionsRegistry,
}: {
  service: SandboxService;
  authorizer: SandboxAuthorizer;
  actionsRegistry: ActionsRegistryService;
}) => {
  actionsRegistry.register({
    name: 'stop-sandbox',
    title: 'Stop sandbox',
    description: `Stops a running sandbox. Its /workspace volume is kept; it can be started again from the portal.

## When to use
When the work in a sandbox is paused, to free its CPU and memory.`,
    attributes: { destructive: false, idempotent: false, readOnly: false },
    schema: {
      input: z => z.object({ id: z.string().describe('Sandbox id') }),
      output: z => sandboxOutputSchema(z),
    },
    examples: [{ title: 'Stop a sandbox', input: { id: '3f2a9c0d1e4b5a68' } }],
    action: async ({ input, credentials }) => {
      await authorizer.authorize(credentials, sandboxUpdatePermission, input.id);
      return { output: toSandboxOutput(await service.stop(input.id)) };
    },
  });
};
