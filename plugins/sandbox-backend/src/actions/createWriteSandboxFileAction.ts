import { InsideActionDeps, insideAction } from './insideShared';

export const createWriteSandboxFileAction = (deps: InsideActionDeps) => {
  deps.actionsRegistry.register({
    name: 'write-sandbox-file',
    title: 'Write a file in a sandbox',
    description: `Creates or replaces one file inside a running sandbox, atomically (readers never see a
half-written file). Missing parent directories are created.

## When to use
To change source files or configuration in a sandbox.`,
    attributes: { destructive: true, idempotent: true, readOnly: false },
    schema: {
      input: z =>
        z.object({
          id: z.string().describe('Sandbox id'),
          path: z.string().startsWith('/').describe('Absolute path of the file inside the sandbox'),
          content: z.string().max(8 * 1024 * 1024).describe('The new content'),
          encoding: z.enum(['utf8', 'base64']).optional().describe('How content is encoded (default utf8)'),
          mode: z.string().regex(/^[0-7]{3,4}$/).optional().describe('Octal file mode such as 755 (default: the old file\'s, else 644)'),
        }),
      output: z =>
        z.object({
          path: z.string().describe('The file written'),
          size: z.number().describe('Bytes written'),
        }),
    },
    examples: [
      { title: 'Write a script', input: { id: '3f2a9c0d1e4b5a68', path: '/workspace/run.sh', content: '#!/bin/sh\necho hi\n', mode: '755' } },
    ],
    action: async ({ input, credentials }) => {
      const content = Buffer.from(input.content, input.encoding === 'base64' ? 'base64' : 'utf8');
      const output = await insideAction(
        deps,
        credentials,
        input.id,
        () => deps.inside.writeFile(input.id, input.path, content, { parents: true, mode: input.mode ? parseInt(input.mode, 8) : undefined }),
        { action: 'sandbox.file.write', message: r => `${r.path} (${r.size} bytes)` },
      );
      return { output };
    },
  });
};
