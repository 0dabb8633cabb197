import { AuthService, DiscoveryService } from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { SandboxState } from '@internal/plugin-sandbox-common';
import { SandboxApiClient } from '../client/SandboxApiClient';
import { examples } from './sandboxDelete.examples';
import {
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_WAIT_TIMEOUT_SECONDS,
  waitForSandbox,
} from './waitForSandbox';
import { waitFields, ZodImpl } from './zod';

/** Input schema of `sandbox:delete`, one zod factory per field. */
export const sandboxDeleteInputSchema = {
  id: (z: ZodImpl) =>
    z
      .string({
        description:
          'Id of the sandbox to delete (the `id` output of `sandbox:create`).',
      })
      .min(1),
  wait: (z: ZodImpl) =>
    z
      .boolean({
        description:
          'Wait until the sandbox is deleted. When false, the step ends once the deletion is accepted. Defaults to true.',
      })
      .default(true)
      .optional(),
  ...waitFields('the deletion', {
    timeoutSeconds: DEFAULT_WAIT_TIMEOUT_SECONDS,
    pollIntervalMs: DEFAULT_POLL_INTERVAL_MS,
  }),
};

/** Output schema of `sandbox:delete`. */
export const sandboxDeleteOutputSchema = {
  id: (z: ZodImpl) => z.string({ description: 'Id of the deleted sandbox.' }),
  state: (z: ZodImpl) =>
    z.string({
      description:
        'State when the step ended: `deleted`, or `deleting` when not waiting.',
    }),
};

/** Options of {@link createSandboxDeleteAction}. */
export interface SandboxDeleteActionOptions {
  discovery: DiscoveryService;
  auth: AuthService;
}

/**
 * Creates the `sandbox:delete` action: deletes a sandbox on behalf of the user running the
 * template and, by default, waits until it is gone. Deleting a sandbox that no longer exists
 * succeeds, so a retried task is harmless.
 *
 * @public
 */
export function createSandboxDeleteAction(options: SandboxDeleteActionOptions) {
  const client = new SandboxApiClient(options);

  return createTemplateAction({
    id: 'sandbox:delete',
    description:
      'Deletes a sandbox on behalf of the user running the template and waits until it is gone.',
    examples,
    schema: {
      input: sandboxDeleteInputSchema,
      output: sandboxDeleteOutputSchema,
    },
    async handler(ctx) {
      const {
        id,
        wait = true,
        waitTimeoutSeconds = DEFAULT_WAIT_TIMEOUT_SECONDS,
        pollIntervalMs = DEFAULT_POLL_INTERVAL_MS,
      } = ctx.input;
      const credentials = await ctx.getInitiatorCredentials();

      const accepted = await ctx.checkpoint({
        key: `sandbox.delete.${id}`,
        fn: async () => {
          ctx.logger.info(`Deleting sandbox ${id}`);
          try {
            const sandbox = await client.deleteSandbox(id, {
              credentials,
              signal: ctx.signal,
            });
            const label = `${sandbox.workspace}/${sandbox.name}`;
            ctx.logger.info(
              `Deletion of sandbox ${label} (${id}) accepted; it is ${sandbox.state}`,
            );
            return { state: sandbox.state, label };
          } catch (error) {
            if (ResponseError.is(error) && error.statusCode === 404) {
              ctx.logger.info(`Sandbox ${id} does not exist (any more)`);
              return { state: 'deleted' as SandboxState, label: id };
            }
            throw error;
          }
        },
      });

      let state = accepted.state;
      if (wait && state !== 'deleted') {
        const result = await waitForSandbox({
          client,
          credentials,
          logger: ctx.logger,
          id,
          label: accepted.label,
          target: 'deleted',
          failOn: ['failed'],
          timeoutMs: waitTimeoutSeconds * 1000,
          pollIntervalMs,
          initialState: state,
          notFoundIsTarget: true,
          signal: ctx.signal,
        });
        state = result.state;
      }

      ctx.output('id', id);
      ctx.output('state', state);
    },
  });
}
