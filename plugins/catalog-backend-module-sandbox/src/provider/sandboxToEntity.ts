import {
  ANNOTATION_LOCATION,
  ANNOTATION_ORIGIN_LOCATION,
  EntityLink,
  ResourceEntity,
} from '@backstage/catalog-model';
import {
  Sandbox,
  SANDBOX_ID_ANNOTATION,
  sandboxEntityName,
} from '@internal/plugin-sandbox-common';

/** Labels on every sandbox entity, so catalog filters can select by state, template or size. */
export const SANDBOX_STATE_LABEL = 'portal.sandbox/state';
export const SANDBOX_TEMPLATE_LABEL = 'portal.sandbox/template';
export const SANDBOX_SIZE_LABEL = 'portal.sandbox/size';
/** The user who created the sandbox (the entity's owner may be their group). */
export const SANDBOX_OWNER_ANNOTATION = 'portal.sandbox/owner';
/**
 * Lets the Kubernetes plugin find the sandbox's pods: the Kubernetes driver labels them with the
 * portal's own keys (`portal.sandbox/id`), in the workspace namespace `ws-<workspace>`.
 */
export const KUBERNETES_LABEL_SELECTOR_ANNOTATION = 'backstage.io/kubernetes-label-selector';
export const KUBERNETES_NAMESPACE_ANNOTATION = 'backstage.io/kubernetes-namespace';

/**
 * The catalog Resource of a sandbox: `resource:<workspace>/sandbox-<name>`, of type `sandbox`,
 * owned by the sandbox's group (or its user when it has none).
 */
export function sandboxToEntity(sandbox: Sandbox): ResourceEntity {
  const location = `sandbox:${sandbox.id}`;
  const { size } = sandbox;
  const links: EntityLink[] = [
    {
      url: sandbox.links.portal,
      title: 'Sandbox page',
      icon: 'dashboard',
      type: 'portal',
    },
  ];
  if (sandbox.links.vscode) {
    links.push({
      url: sandbox.links.vscode,
      title: 'Open in VS Code',
      icon: 'app',
      type: 'vscode',
    });
  }
  if (sandbox.links.jetbrainsGateway) {
    links.push({
      url: sandbox.links.jetbrainsGateway,
      title: 'Open in JetBrains Gateway',
      icon: 'app',
      type: 'jetbrains-gateway',
    });
  }

  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name: sandboxEntityName(sandbox.name),
      namespace: sandbox.workspace,
      title: `Sandbox ${sandbox.name}`,
      description: [
        `${sandbox.template} sandbox (${size.name}: ${size.cpus} vCPU, ${size.memoryMiB} MiB memory, ${size.diskGiB} GiB disk) created by ${sandbox.owner}.`,
        `State: ${sandbox.state}${
          sandbox.reason ? ` (${sandbox.reason})` : ''
        }.`,
        sandbox.expiresAt ? `Expires at ${sandbox.expiresAt}.` : undefined,
      ]
        .filter(Boolean)
        .join(' '),
      annotations: {
        [SANDBOX_ID_ANNOTATION]: sandbox.id,
        [ANNOTATION_LOCATION]: location,
        [ANNOTATION_ORIGIN_LOCATION]: location,
        [KUBERNETES_LABEL_SELECTOR_ANNOTATION]: `portal.sandbox/id=${sandbox.id}`,
        [KUBERNETES_NAMESPACE_ANNOTATION]: `ws-${sandbox.workspace}`,
        [SANDBOX_OWNER_ANNOTATION]: sandbox.owner,
        // the Grafana cards (plugins/grafana): the sandbox dashboard's panels for this sandbox
        'grafana/panel-urls': `sandbox-portal-sandboxes/20?var-sandbox=${encodeURIComponent(sandbox.id)}, sandbox-portal-sandboxes/21?var-sandbox=${encodeURIComponent(sandbox.id)}`,
        'grafana/overview-dashboard': `sandbox-portal-sandboxes?var-sandbox=${encodeURIComponent(sandbox.id)}`,
      },
      labels: {
        [SANDBOX_STATE_LABEL]: sandbox.state,
        [SANDBOX_TEMPLATE_LABEL]: toLabelValue(sandbox.template),
        [SANDBOX_SIZE_LABEL]: toLabelValue(size.name),
      },
      links,
    },
    // No `system`: the portal's System lives in another namespace than the workspaces.
    spec: {
      type: 'sandbox',
      owner: sandbox.ownerGroup ?? sandbox.owner,
    },
  };
}

/**
 * Catalog label values are at most 63 characters of `[a-zA-Z0-9._-]`, starting and ending
 * alphanumerically; template names are free text up to 100 characters.
 */
function toLabelValue(value: string): string {
  const cleaned = value
    .replace(/[^a-zA-Z0-9._-]+/g, '-')
    .slice(0, 63)
    .replace(/^[^a-zA-Z0-9]+|[^a-zA-Z0-9]+$/g, '');
  return cleaned || 'unknown';
}
