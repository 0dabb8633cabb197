import { ApiException, KubeConfig } from '@kubernetes/client-node';
import type { Config } from '@backstage/config';
import { DriverError, DriverUnavailableError } from '../types';

/**
 * Loads the cluster credentials named by `sandbox.kubernetes`: `kubeconfigPath` (plus optional
 * `context`), or `inCluster: true`, else in-cluster when running in a pod
 * (`KUBERNETES_SERVICE_HOST`), else the default kubeconfig (`KUBECONFIG`, `~/.kube/config`).
 */
export function loadKubeConfig(config: Config): KubeConfig {
  const kc = new KubeConfig();
  const path = config.getOptionalString('sandbox.kubernetes.kubeconfigPath');
  const inCluster = config.getOptionalBoolean('sandbox.kubernetes.inCluster');
  if (inCluster) {
    kc.loadFromCluster();
  } else if (path) {
    kc.loadFromFile(path);
  } else if (process.env.KUBERNETES_SERVICE_HOST && inCluster !== false) {
    kc.loadFromCluster();
  } else {
    kc.loadFromDefault();
  }
  const context = config.getOptionalString('sandbox.kubernetes.context');
  if (context) kc.setCurrentContext(context);
  return kc;
}

/** The HTTP status of a failed API call, if it got an answer. */
export function statusOf(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

export function isNotFound(error: unknown): boolean {
  return statusOf(error) === 404;
}

export function isConflict(error: unknown): boolean {
  return statusOf(error) === 409;
}

/** The API server's own message (a Status object) for a failed call, else the error's message. */
export function apiMessage(error: unknown): string {
  if (error instanceof ApiException) {
    let body: unknown = error.body;
    if (typeof body === 'string') {
      const text = body;
      try {
        body = JSON.parse(text);
      } catch {
        return text.trim() || `HTTP ${error.code}`;
      }
    }
    const message = (body as { message?: unknown } | undefined)?.message;
    return typeof message === 'string' && message
      ? message
      : `HTTP ${error.code}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Maps a failed API call to the driver's errors: no answer or 401/403 -> DriverUnavailableError
 * (the cluster or the portal's access is the problem), anything else -> DriverError.
 */
export function toDriverError(
  error: unknown,
  context: string,
  server?: string,
): Error {
  if (error instanceof DriverError || error instanceof DriverUnavailableError)
    return error;
  const code = statusOf(error);
  if (code === undefined) {
    return new DriverUnavailableError(
      `${context}: Kubernetes API${
        server ? ` at ${server}` : ''
      } unreachable: ${apiMessage(error)}`,
    );
  }
  if (code === 401 || code === 403) {
    return new DriverUnavailableError(
      `${context}: the portal may not do this in the cluster (HTTP ${code}: ${apiMessage(
        error,
      )}); check its ServiceAccount's RBAC (k8s/crossplane/base/apis/rbac.yaml)`,
    );
  }
  return new DriverError(`${context}: ${apiMessage(error)}`);
}
