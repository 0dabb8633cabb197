import { AuthService, DiscoveryService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { SandboxBackupClient } from './sandboxSnapshot.client';
import { examples } from './sandboxRestore.examples';
import { ZodImpl } from './zod';

export const sandboxRestoreInputSchema = {
  backupId: (z: ZodImpl) => z.string({ description: 'Id of the backup (the `backupId` output of `sandbox:snapshot`).' }).min(1),
  target: (z: ZodImpl) =>
    z
      .enum(['new', 'in-place'], { description: '`new`: into a new sandbox named `name`; `in-place`: into the stopped sandbox it came from.' })
      .default('new')
      .optional(),
  name: (z: ZodImpl) => z.string({ description: 'Name of the new sandbox (target `new`).' }).optional(),
};

export const sandboxRestoreOutputSchema = {
  id: (z: ZodImpl) => z.string({ description: 'Id of the sandbox restored into.' }),
  name: (z: ZodImpl) => z.string({ description: 'Name of the sandbox restored into.' }),
  state: (z: ZodImpl) => z.string({ description: 'Its state after the restore (`running` for new, `stopped` in place).' }),
};

export interface SandboxRestoreActionOptions {
  discovery: DiscoveryService;
  auth: AuthService;
  fetch?: typeof fetch;
}

/**
 * `sandbox:restore`: restores a backup, verified against its manifest first, into a new sandbox or
 * in place. Once per task (checkpoint): a retried task does not create a second sandbox.
 *
 * @public
 */
export function createSandboxRestoreAction(options: SandboxRestoreActionOptions) {
  const client = new SandboxBackupClient(options);
  return createTemplateAction({
    id: 'sandbox:restore',
    description: 'Restores a sandbox backup into a new sandbox or in place, on behalf of the user running the template.',
    examples,
    schema: { input: sandboxRestoreInputSchema, output: sandboxRestoreOutputSchema },
    async handler(ctx) {
      const { backupId, target = 'new', name } = ctx.input;
      if (target === 'new' && !name) throw new InputError('name: required when target is new');
      if (target === 'in-place' && name) throw new InputError('name: only for target new');
      const credentials = await ctx.getInitiatorCredentials();
      const sandbox = await ctx.checkpoint({
        key: `sandbox.restore.${backupId}.${target}.${name ?? ''}`,
        fn: async () => {
          ctx.logger.info(`Restoring backup ${backupId} (${target === 'new' ? `into new sandbox ${name}` : 'in place'})`);
          const s = await client.restore(backupId, target === 'new' ? { target, name: name! } : { target }, credentials, ctx.signal);
          ctx.logger.info(`Restored backup ${backupId} into ${s.workspace}/${s.name} (${s.id}); it is ${s.state}`);
          return { id: s.id, name: s.name, state: s.state };
        },
      });
      ctx.output('id', sandbox.id);
      ctx.output('name', sandbox.name);
      ctx.output('state', sandbox.state);
    },
  });
}
