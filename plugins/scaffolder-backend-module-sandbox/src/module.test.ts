import { startTestBackend } from '@backstage/backend-test-utils';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { scaffolderModuleSandbox } from './module';

describe('scaffolderModuleSandbox', () => {
  it('registers sandbox:create, sandbox:delete, sandbox:snapshot, sandbox:restore and crossplane:claim:apply', async () => {
    const addActions = jest.fn();

    await startTestBackend({
      extensionPoints: [[scaffolderActionsExtensionPoint, { addActions }]],
      features: [scaffolderModuleSandbox],
    });

    expect(addActions).toHaveBeenCalledTimes(1);
    expect(addActions.mock.calls[0].map((a: { id: string }) => a.id)).toEqual([
      'sandbox:create',
      'sandbox:delete',
      'sandbox:snapshot',
      'sandbox:restore',
      'crossplane:claim:apply',
    ]);
  });
});
