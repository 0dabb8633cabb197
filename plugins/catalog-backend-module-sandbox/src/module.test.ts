import { startTestBackend } from '@backstage/backend-test-utils';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { catalogModuleSandboxEntities } from './module';
import { SandboxEntityProvider } from './provider/SandboxEntityProvider';

describe('catalogModuleSandboxEntities', () => {
  it('adds the sandbox entity provider to the catalog', async () => {
    const addEntityProvider = jest.fn();

    const backend = await startTestBackend({
      extensionPoints: [
        [catalogProcessingExtensionPoint, { addEntityProvider }],
      ],
      features: [catalogModuleSandboxEntities],
    });

    expect(addEntityProvider).toHaveBeenCalledTimes(1);
    const [provider] = addEntityProvider.mock.calls[0];
    expect(provider).toBeInstanceOf(SandboxEntityProvider);
    expect(provider.getProviderName()).toBe('sandbox-entities');
    await backend.stop();
  });
});
