import { TemplateActionOptions } from '@backstage/plugin-scaffolder-node';

/**
 * The zod implementation the scaffolder hands to schema factories (`zod/v3` in scaffolder-node
 * 1.x). Typing factories with it lets us declare them beside the action and export them, so
 * tests can build the very schema the scaffolder turns into the action's JSON schema.
 */
export type ZodImpl = Parameters<
  NonNullable<NonNullable<TemplateActionOptions['schema']>['input']>[string]
>[0];
