import { InsideActionDeps, insideAction } from './insideShared';

export const createExecInSandboxAction = (deps: InsideActionDeps) => {
  deps.actionsRegistry.register({
    name: 'exec-in-sandbox',
    title: 'Run a command in a sandbox',
    description: `Runs one command inside a running sandbox and returns its exit code, stdout and stderr.
The command is an argument list (no shell): use \`["sh", "-c", "..."]\` for pipes and redirections.

## When to use
To build, test or inspect code in a sandbox. Long-running servers belong in the background
(\`sh -c "nohup ... &"\`); reach them with the port proxy.

## Examples
- Run the tests: \`{ "id": "3f2a9c0d1e4b5a68", "command": ["npm", "test"], "cwd": "/workspace" }\``,
    attributes: { destructive: true, idempotent: false, readOnly: false },
    schema: {
      input: z =>
        z.object({
          id: z.string().describe('Sandbox id'),
          command: z.array(z.string()).min(1).describe('Program and arguments, e.g. ["ls", "-la"]'),
          cwd: z.string().startsWith('/').optional().describe('Working directory (default /workspace)'),
          env: z.record(z.string(), z.string()).optional().describe('Extra environment variables'),
          stdin: z.string().max(1024 * 1024).optional().describe('Text written to the command\'s standard input'),
          timeoutSeconds: z.number().int().positive().max(3600).optional().describe('Kill the command (and its children) after this many seconds; default 60'),
        }),
      output: z =>
        z.object({
          exitCode: z.number().describe('Exit code (137 when killed on timeout)'),
          stdout: z.string().describe('Standard output'),
          stderr: z.string().describe('Standard error'),
          timedOut: z.boolean().describe('The command hit its timeout'),
          durationMs: z.number().describe('How long it ran, in milliseconds'),
        }),
    },
    examples: [
      { title: 'List the workspace', input: { id: '3f2a9c0d1e4b5a68', command: ['ls', '-la', '/workspace'] } },
      { title: 'Run a shell pipeline', input: { id: '3f2a9c0d1e4b5a68', command: ['sh', '-c', 'git log --oneline | head -5'], cwd: '/workspace' } },
    ],
    action: async ({ input, credentials }) => {
      const output = await insideAction(deps, credentials, input.id, () =>
        deps.inside.exec(input.id, {
          command: input.command,
          cwd: input.cwd,
          env: input.env,
          stdin: input.stdin,
          timeoutSeconds: input.timeoutSeconds ?? 60,
        }),
        { action: 'sandbox.exec', message: r => `exit ${r.exitCode}` },
      );
      return { output };
    },
  });
};
