import {
  LoggerService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import { DockerDriver } from './docker/DockerDriver';
import { InMemoryDriver } from './memory/InMemoryDriver';
import { KubernetesDriver } from './kubernetes/KubernetesDriver';
import { SandboxDriver } from './types';

/**
 * Picks the driver named by `sandbox.driver`: `docker` (default; the Docker Engine API on a unix
 * socket), `kubernetes` (Crossplane Sandbox XRs through the Kubernetes API; `sandbox.kubernetes`) or
 * `memory` (no runtime; for UI work and demos).
 */
export function createDriver(
  config: RootConfigService,
  logger: LoggerService,
): SandboxDriver {
  const name = config.getOptionalString('sandbox.driver') ?? 'docker';
  switch (name) {
    case 'docker':
      return DockerDriver.fromConfig(config, { logger });
    case 'kubernetes':
      return KubernetesDriver.fromConfig(config, { logger });
    case 'memory':
      logger.warn(
        'sandbox.driver is memory: sandboxes are simulated, nothing runs',
      );
      return new InMemoryDriver();
    default:
      throw new Error(
        `sandbox.driver '${name}' is not supported; use docker, kubernetes or memory`,
      );
  }
}
