import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { sandboxUpdatePermission } from '@internal/plugin-sandbox-common';
import { SandboxService } from '../service/SandboxService';
import { SandboxAuthorizer } from '../service/authorize';
import { sandboxOutputSchema, toSandboxOutput } from './shared';

export const createPauseSandboxAction = ({
  service,
  authorizer,
  actionsRegistry,
}: {
  service: SandboxService;
  authorizer: SandboxAuthorizer;
  actionsRegistry: ActionsRegistryService;
}) => {
  actionsRegistry.register({
    name: 'pause-sandbox',
    title: 'Pause sandbox',
    description: `Pauses a running sandbox: its processes are frozen in place (on Docker their memory is kept too)
and its /workspace stays. While paused it uses no CPU and is billed as storage only; commands, files and
ports are refused until it is resumed with resume-sandbox, which brings back the same state.

## When to use
When an agent or user is done with a sandbox for now but will come back soon: resuming takes well under
a second on Docker, far quicker than starting a stopped sandbox.

## Examples
- Pause the sandbox with id \`3f2a9c0d1e4b5a68\`: \`{ "id": "3f2a9c0d1e4b5a68" }\``,
    attributes: { destructive: false, idempotent: false, readOnly: false },
    schema: {
      input: z =>
        z.object({
          id: z
            .string()
            .describe('Sandbox id (from list-sandboxes or create-sandbox)'),
        }),
      output: z => sandboxOutputSchema(z),
    },
    examples: [{ title: 'Pause a sandbox', input: { id: '3f2a9c0d1e4b5a68' } }],
    action: async ({ input, credentials }) => {
      await authorizer.authorize(
        credentials,
        sandboxUpdatePermission,
        input.id,
      );
      return { output: toSandboxOutput(await service.pause(input.id)) };
    },
  });
};
