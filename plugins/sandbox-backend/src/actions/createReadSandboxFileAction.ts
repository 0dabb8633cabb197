import { InputError } from '@backstage/errors';
import { InsideActionDeps, MAX_ACTION_READ_BYTES, insideAction } from './insideShared';

export const createReadSandboxFileAction = (deps: InsideActionDeps) => {
  deps.actionsRegistry.register({
    name: 'read-sandbox-file',
    title: 'Read a file in a sandbox',
    description: `Returns the content of one file inside a running sandbox (up to 1 MiB): as text when it
is valid UTF-8, otherwise base64.

## When to use
To look at source files, logs or results in a sandbox. For directories use list-sandbox-files.`,
    attributes: { destructive: false, idempotent: true, readOnly: true },
    schema: {
      input: z =>
        z.object({
          id: z.string().describe('Sandbox id'),
          path: z.string().startsWith('/').describe('Absolute path of the file inside the sandbox'),
        }),
      output: z =>
        z.object({
          path: z.string().describe('The file read'),
          size: z.number().describe('Size in bytes'),
          encoding: z.enum(['utf8', 'base64']).describe('How content is encoded'),
          content: z.string().describe('The file content'),
        }),
    },
    examples: [{ title: 'Read a README', input: { id: '3f2a9c0d1e4b5a68', path: '/workspace/README.md' } }],
    action: async ({ input, credentials }) => {
      const output = await insideAction(deps, credentials, input.id, async () => {
        const { size, stream } = await deps.inside.readFile(input.id, input.path);
        if (size > MAX_ACTION_READ_BYTES) {
          stream.destroy();
          throw new InputError(`path: ${input.path} has ${size} bytes, more than ${MAX_ACTION_READ_BYTES}; use the REST API to download it`);
        }
        const chunks: Buffer[] = [];
        for await (const c of stream) chunks.push(c as Buffer);
        const buffer = Buffer.concat(chunks);
        const text = buffer.toString('utf8');
        const isText = Buffer.from(text, 'utf8').equals(buffer);
        return {
          path: input.path,
          size: buffer.length,
          encoding: isText ? ('utf8' as const) : ('base64' as const),
          content: isText ? text : buffer.toString('base64'),
        };
      });
      return { output };
    },
  });
};
