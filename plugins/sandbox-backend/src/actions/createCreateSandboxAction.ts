import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { InputError } from '@backstage/errors';
import {
  createSandboxRequestSchema,
  formatZodError,
  sandboxCreatePermission,
  SANDBOX_SIZES,
} from '@internal/plugin-sandbox-common';
import { SandboxService } from '../service/SandboxService';
import { requireUser, SandboxAuthorizer } from '../service/authorize';
import { sandboxOutputSchema, toSandboxOutput } from './shared';

export const createCreateSandboxAction = ({
  service,
  authorizer,
  actionsRegistry,
  waitTimeoutMs = 120_000,
}: {
  service: SandboxService;
  authorizer: SandboxAuthorizer;
  actionsRegistry: ActionsRegistryService;
  waitTimeoutMs?: number;
}) => {
  actionsRegistry.register({
    name: 'create-sandbox',
    title: 'Create sandbox',
    description: `Creates an isolated development sandbox (a container with the repository cloned into /workspace) owned by the calling user.

## When to use
When you need a place to run code, tests or tools without touching the user's machine.
By default the call waits until the sandbox runs (or fails, with the reason).

## Examples
- A Python sandbox with a repository: \`{ "name": "fix-bug-42", "workspace": "default", "template": "python", "repoUrl": "https://git.example.com/team/app.git" }\``,
    attributes: { destructive: false, idempotent: false, readOnly: false },
    schema: {
      input: z =>
        z.object({
          name: z.string().describe('Sandbox name: lowercase letters, digits and dashes, unique in the workspace'),
          workspace: z.string().default('default').describe('Workspace (team) to create it in'),
          template: z.string().default('python').describe('Template: python, node, ollama or base'),
          size: z.enum(Object.keys(SANDBOX_SIZES) as [string, ...string[]]).default('small').describe('Resource size'),
          repoUrl: z.string().optional().describe('Git repository to clone into /workspace'),
          repoRef: z.string().optional().describe('Branch or tag to clone'),
          ttlSeconds: z.number().int().positive().optional().describe('Stop the sandbox after this many seconds'),
          wait: z.boolean().default(true).describe('Wait until the sandbox runs or fails'),
        }),
      output: z => sandboxOutputSchema(z),
    },
    examples: [
      {
        title: 'Python sandbox',
        input: { name: 'scratch', workspace: 'default', template: 'python', size: 'small', wait: true },
      },
    ],
    action: async ({ input, credentials }) => {
      const parsed = createSandboxRequestSchema.safeParse({
        name: input.name,
        workspace: input.workspace,
        template: input.template,
        size: input.size,
        ...(input.repoUrl ? { repo: { url: input.repoUrl, ...(input.repoRef ? { ref: input.repoRef } : {}) } } : {}),
        ...(input.ttlSeconds ? { ttlSeconds: input.ttlSeconds } : {}),
      });
      if (!parsed.success) {
        throw new InputError(`Invalid sandbox request: ${formatZodError(parsed.error)}`);
      }
      await authorizer.authorize(credentials, sandboxCreatePermission, parsed.data.workspace);
      let sandbox = await service.create(parsed.data, requireUser(credentials));
      if (input.wait) {
        sandbox = await service.waitFor(sandbox.id, ['running', 'failed', 'deleted'], waitTimeoutMs);
      }
      return { output: toSandboxOutput(sandbox) };
    },
  });
};
