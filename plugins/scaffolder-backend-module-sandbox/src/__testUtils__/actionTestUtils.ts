import { mockServices } from '@backstage/backend-test-utils';
import { ActionContext } from '@backstage/plugin-scaffolder-node';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { z } from 'zod/v3';
import { ZodImpl } from '../actions/zod';
import { FakeSandboxServer } from './FakeSandboxServer';

/** The object schema the scaffolder builds from an action's zod factories (unknown keys rejected, as its JSON schema does). */
export function objectSchemaOf(
  factories: Record<string, (zImpl: ZodImpl) => z.ZodTypeAny>,
) {
  return z
    .object(
      Object.fromEntries(
        Object.entries(factories).map(([key, factory]) => [key, factory(z)]),
      ),
    )
    .strict();
}

/** Discovery pointing at the fake server, and the real-shaped mock auth service of the scaffolder plugin. */
export function servicesFor(server: FakeSandboxServer) {
  return {
    discovery: mockServices.discovery.mock({
      getBaseUrl: async () => server.baseUrl,
    }),
    auth: mockServices.auth({ pluginId: 'scaffolder' }),
  };
}

/**
 * Checkpoints kept across runs the way the task worker keeps them: a key that succeeded once
 * returns its stored value instead of running `fn` again.
 */
export function checkpointStore() {
  const values = new Map<string, unknown>();
  const checkpoint = async (opts: {
    key: string;
    fn: () => Promise<unknown> | unknown;
  }) => {
    if (values.has(opts.key)) {
      return values.get(opts.key);
    }
    const value = await opts.fn();
    values.set(opts.key, JSON.parse(JSON.stringify(value ?? null)));
    return value;
  };
  return {
    values,
    checkpoint: checkpoint as ActionContext<any>['checkpoint'],
  };
}

/** A mock action context with a jest-mocked logger, so tests can assert the task log lines. */
export function mockContext(
  input: Record<string, any>,
  overrides: Partial<ActionContext<any, any>> = {},
) {
  const logger = mockServices.logger.mock();
  const ctx: ActionContext<any, any> = {
    ...createMockActionContext<any>({
      input,
      logger,
      task: { id: 'task-1' },
      ...overrides,
    }),
    ...overrides,
  };
  return { ctx, logger };
}

/** Every message logged at `info`, in order. */
export function infoLines(logger: {
  info: { mock: { calls: unknown[][] } };
}): string[] {
  return logger.info.mock.calls.map(call => String(call[0]));
}
