import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { sandboxUpdatePermission } from '@internal/plugin-sandbox-common';
import { SandboxService } from '../service/SandboxService';
import { SandboxAuthorizer } from '../service/authorize';
import { sandboxOutputSchema, toSandboxOutput } from './shared';

export const createResumeSandboxAction = ({
  service,
  authorizer,
  actionsRegistry,
}: {
  service: SandboxService;
  authorizer: SandboxAuthorizer;
  actionsRegistry: ActionsRegistryService;
}) => {
  actionsRegistry.register({
    name: 'resume-sandbox',
    title: 'Resume sandbox',
    description: `Resumes a paused sandbox. It runs again with the same /workspace contents (and, on Docker, the
same processes and memory); the answer comes once it runs.

## When to use
Before running commands or reaching ports in a sandbox whose state is \`paused\` (paused by pause-sandbox
or automatically after its template's idle time).

## Examples
- Resume the sandbox with id \`3f2a9c0d1e4b5a68\`: \`{ "id": "3f2a9c0d1e4b5a68" }\``,
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
    examples: [
      { title: 'Resume a paused sandbox', input: { id: '3f2a9c0d1e4b5a68' } },
    ],
    action: async ({ input, credentials }) => {
      await authorizer.authorize(
        credentials,
        sandboxUpdatePermission,
        input.id,
      );
      return { output: toSandboxOutput(await service.resume(input.id)) };
    },
  });
};
