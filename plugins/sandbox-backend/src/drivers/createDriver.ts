import { LoggerService, RootConfigService } from '@backstage/backend-plugin-api';
import { DockerDriver } from './docker/DockerDriver';
import { InMemoryDriver } from './memory/InMemoryDriver';
import { SandboxDriver } from './types';

/**
 * Picks the driver named by `sandbox.driver`: `docker` (default; the Docker Engine API on a unix
 * socket) or `memory` (no runtime; for UI work and demos). The Kubernetes driver (Crossplane
 * Sandbox claims) plugs in here when it lands.
 */
export function createDriver(config: RootConfigService, logger: LoggerService): SandboxDriver {
  const name = config.getOptionalString('sandbox.driver') ?? 'docker';
  switch (name) {
    case 'docker':
      return DockerDriver.fromConfig(config, { logger });
    case 'memory':
      logger.warn('sandbox.driver is memory: sandboxes are simulated, nothing runs');
      return new InMemoryDriver();
    default:
      throw new Error(`sandbox.driver '${name}' is not supported; use docker or memory`);
  }
}
