import { AuthService, DiscoveryService } from '@backstage/backend-plugin-api';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { SandboxBackupClient } from './sandboxSnapshot.client';
import { examples } from './sandboxSnapshot.examples';
import { ZodImpl } from './zod';

export const sandboxSnapshotInputSchema = {
  id: (z: ZodImpl) => z.string({ description: 'Id of the sandbox to back up (the `id` output of `sandbox:create`).' }).min(1),
};

export const sandboxSnapshotOutputSchema = {
  backupId: (z: ZodImpl) => z.string({ description: 'Id of the new backup (input of `sandbox:restore`).' }),
  sizeBytes: (z: ZodImpl) => z.number({ description: 'Size of the stored /workspace archive in bytes.' }),
  sha256: (z: ZodImpl) => z.string({ description: 'sha256 of the stored archive, as in the manifest.' }),
};

export interface SandboxSnapshotActionOptions {
  discovery: DiscoveryService;
  auth: AuthService;
  fetch?: typeof fetch;
}

/**
 * `sandbox:snapshot`: backs up a sandbox's /workspace on behalf of the user running the template.
 * The backup is made once per task (checkpoint), so a retried task does not make a second one.
 *
 * @public
 */
export function createSandboxSnapshotAction(options: SandboxSnapshotActionOptions) {
  const client = new SandboxBackupClient(options);
  return createTemplateAction({
    id: 'sandbox:snapshot',
    description: 'Backs up the /workspace of a sandbox (a complete, verified backup) on behalf of the user running the template.',
    examples,
    schema: { input: sandboxSnapshotInputSchema, output: sandboxSnapshotOutputSchema },
    async handler(ctx) {
      const { id } = ctx.input;
      const credentials = await ctx.getInitiatorCredentials();
      const backup = await ctx.checkpoint({
        key: `sandbox.snapshot.${id}`,
        fn: async () => {
          ctx.logger.info(`Backing up sandbox ${id}`);
          const b = await client.createBackup(id, credentials, ctx.signal);
          ctx.logger.info(`Backup ${b.id} of ${b.workspace}/${b.sandboxName} is ${b.state} (${b.sizeBytes} bytes)`);
          return { id: b.id, sizeBytes: b.sizeBytes ?? 0, sha256: b.sha256 ?? '' };
        },
      });
      ctx.output('backupId', backup.id);
      ctx.output('sizeBytes', backup.sizeBytes);
      ctx.output('sha256', backup.sha256);
    },
  });
}
