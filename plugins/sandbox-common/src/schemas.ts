import { z } from 'zod';
import { SANDBOX_SIZES, SANDBOX_STATES } from './types';

/** DNS-label style names: they become container names, hostnames and catalog entity names. */
export const sandboxNameSchema = z
  .string()
  .regex(/^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/, {
    message: 'must be 1-40 lowercase letters, digits or dashes, starting with a letter',
  });

export const workspaceNameSchema = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, {
    message: 'must be a lowercase DNS label (letters, digits, dashes)',
  });

/** git URLs we clone: https, ssh (git@host:path or ssh://), git:// and file:// (local tests). */
export const repoUrlSchema = z.string().refine(
  url => /^(https?:\/\/[^\s/]+\/\S+|ssh:\/\/\S+|git:\/\/\S+|file:\/\/\/\S+|[\w.-]+@[\w.-]+:\S+)$/.test(url),
  { message: 'must be an http(s), ssh, git or file:// git URL' },
);

const envKey = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'invalid environment variable name' });
const labelKey = z.string().regex(/^[a-z0-9]([a-z0-9._/-]{0,61}[a-z0-9])?$/, { message: 'invalid label key' });

export const createSandboxRequestSchema = z
  .object({
    name: sandboxNameSchema,
    workspace: workspaceNameSchema,
    template: z.string().min(1).max(100).default('custom'),
    image: z.string().min(1).max(200).optional(),
    size: z
      .string()
      .refine(s => s in SANDBOX_SIZES, {
        message: `must be one of ${Object.keys(SANDBOX_SIZES).join(', ')}`,
      })
      .default('small'),
    env: z.record(envKey, z.string().max(4096)).default({}),
    repo: z
      .object({ url: repoUrlSchema, ref: z.string().min(1).max(200).optional() })
      .strict()
      .optional(),
    network: z.boolean().default(false),
    ttlSeconds: z.number().int().positive().max(60 * 60 * 24 * 30).nullable().default(null),
    idleTimeoutSeconds: z.number().int().positive().max(60 * 60 * 24 * 7).nullable().default(null),
    labels: z.record(labelKey, z.string().max(63)).default({}),
    ownerGroup: z.string().regex(/^group:[a-z0-9-]+\/[a-z0-9-]+$/).optional(),
  })
  .strict();
export type CreateSandboxRequest = z.input<typeof createSandboxRequestSchema>;
export type ParsedCreateSandboxRequest = z.output<typeof createSandboxRequestSchema>;

export const listSandboxesQuerySchema = z
  .object({
    workspace: workspaceNameSchema.optional(),
    owner: z.string().min(1).optional(),
    state: z.enum(SANDBOX_STATES).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().optional(),
  })
  .strict();
export type ListSandboxesQuery = z.input<typeof listSandboxesQuerySchema>;

export const execRequestSchema = z
  .object({
    command: z.array(z.string()).min(1),
    cwd: z.string().startsWith('/').optional(),
    env: z.record(envKey, z.string()).default({}),
    timeoutSeconds: z.number().int().positive().max(3600).default(60),
    /** Text written to the command's standard input (then closed). */
    stdin: z.string().max(1024 * 1024).optional(),
  })
  .strict();
export type ExecRequest = z.input<typeof execRequestSchema>;

/** Formats a zod error as `field: message; field: message` (field paths dotted). */
export function formatZodError(error: z.ZodError): string {
  return error.issues
    .map(issue => `${issue.path.length ? issue.path.join('.') : '(body)'}: ${issue.message}`)
    .join('; ');
}
