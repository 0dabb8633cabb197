import { TemplateActionOptions } from '@backstage/plugin-scaffolder-node';

/**
 * The zod implementation the scaffolder hands to schema factories (`zod/v3` in scaffolder-node
 * 1.x). Typing factories with it lets us declare them beside the action and export them, so
 * tests can build the very schema the scaffolder turns into the action's JSON schema.
 */
export type ZodImpl = Parameters<
  NonNullable<NonNullable<TemplateActionOptions['schema']>['input']>[string]
>[0];

/**
 * The wait fields shared by the sandbox actions: how long to wait (`what` names what is awaited,
 * e.g. "the sandbox to be running") and how often to poll.
 */
export function waitFields(what: string, defaults: { timeoutSeconds: number; pollIntervalMs: number }) {
  return {
    waitTimeoutSeconds: (z: ZodImpl) =>
      z
        .number({
          description: `How long to wait for ${what} before the step fails (1-3600). Defaults to ${defaults.timeoutSeconds}.`,
        })
        .int()
        .min(1)
        .max(3600)
        .default(defaults.timeoutSeconds)
        .optional(),
    pollIntervalMs: (z: ZodImpl) =>
      z
        .number({
          description: `Milliseconds between two status checks while waiting (10-60000). Defaults to ${defaults.pollIntervalMs}.`,
        })
        .int()
        .min(10)
        .max(60_000)
        .default(defaults.pollIntervalMs)
        .optional(),
  };
}
