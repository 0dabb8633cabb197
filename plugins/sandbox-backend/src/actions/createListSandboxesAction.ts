import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { SANDBOX_STATES, sandboxReadPermission } from '@internal/plugin-sandbox-common';
import { SandboxService } from '../service/SandboxService';
import { SandboxAuthorizer } from '../service/authorize';
import { sandboxOutputSchema, toSandboxOutput } from './shared';

export const createListSandboxesAction = ({
  service,
  authorizer,
  actionsRegistry,
}: {
  service: SandboxService;
  authorizer: SandboxAuthorizer;
  actionsRegistry: ActionsRegistryService;
}) => {
  actionsRegistry.register({
    name: 'list-sandboxes',
    title: 'List sandboxes',
    description: `Lists the sandboxes the caller may see, newest first.

## When to use
To find a sandbox's id, or to see what is running in a workspace.

## Examples
- Running sandboxes of the default workspace: \`{ "workspace": "default", "state": "running" }\``,
    attributes: { readOnly: true, idempotent: true, destructive: false },
    schema: {
      input: z =>
        z.object({
          workspace: z.string().optional().describe('Only this workspace'),
          owner: z.string().optional().describe('Only sandboxes of this user entity ref'),
          state: z.enum(SANDBOX_STATES).optional().describe('Only sandboxes in this state'),
          limit: z.number().int().min(1).max(200).default(50).describe('Page size'),
          cursor: z.string().optional().describe('Cursor from a previous call, for the next page'),
        }),
      output: z =>
        z.object({
          items: z.array(sandboxOutputSchema(z)).describe('The sandboxes on this page'),
          nextCursor: z.string().optional().describe('Pass as cursor to get the next page'),
        }),
    },
    examples: [{ title: 'Running sandboxes', input: { state: 'running', limit: 20 } }],
    action: async ({ input, credentials }) => {
      const page = await service.list(input);
      const items = await authorizer.filter(credentials, sandboxReadPermission, page.items);
      return {
        output: {
          items: items.map(toSandboxOutput),
          ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
        },
      };
    },
  });
};
