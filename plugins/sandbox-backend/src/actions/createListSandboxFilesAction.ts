import { InsideActionDeps, insideAction } from './insideShared';

export const createListSandboxFilesAction = (deps: InsideActionDeps) => {
  deps.actionsRegistry.register({
    name: 'list-sandbox-files',
    title: 'List files in a sandbox',
    description: `Lists one directory inside a running sandbox: name, type, size, mode and modification time
of each entry.

## When to use
To find your way around a sandbox's /workspace before reading or writing files.`,
    attributes: { destructive: false, idempotent: true, readOnly: true },
    schema: {
      input: z =>
        z.object({
          id: z.string().describe('Sandbox id'),
          path: z.string().startsWith('/').optional().describe('Absolute directory path (default /workspace)'),
        }),
      output: z =>
        z.object({
          path: z.string().describe('The directory listed'),
          entries: z
            .array(
              z.object({
                name: z.string().describe('Entry name'),
                type: z.string().describe('file, directory, symlink or other'),
                size: z.number().describe('Size in bytes'),
                mode: z.number().describe('Permission bits'),
                mtime: z.string().describe('ISO time of the last change'),
              }),
            )
            .describe('Directory entries, sorted by name'),
        }),
    },
    examples: [{ title: 'List the workspace', input: { id: '3f2a9c0d1e4b5a68' } }],
    action: async ({ input, credentials }) => {
      const output = await insideAction(deps, credentials, input.id, () => deps.inside.list(input.id, input.path ?? '/workspace'));
      return { output };
    },
  });
};
