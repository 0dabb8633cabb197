import { useRouteRef } from '@backstage/frontend-plugin-api';
import { parseEntityRef } from '@backstage/catalog-model';
import { ButtonLink, Flex } from '@backstage/ui';
import type { Sandbox } from '@internal/plugin-sandbox-common';
import { catalogEntityRouteRef } from '../../routes';

/** The catalog entity page of the sandbox's Resource, when the catalog is installed. */
export function useSandboxEntityLink(entityRef: string): string | undefined {
  const entityRoute = useRouteRef(catalogEntityRouteRef);
  if (!entityRoute || !entityRef) {
    return undefined;
  }
  try {
    const { kind, namespace, name } = parseEntityRef(entityRef);
    return entityRoute({ kind: kind.toLocaleLowerCase('en-US'), namespace, name });
  } catch {
    return undefined;
  }
}

/** IDE deep links and the catalog entity of a sandbox. */
export function SandboxLinks(props: {
  sandbox: Pick<Sandbox, 'links' | 'entityRef'>;
  showEntityLink?: boolean;
}) {
  const { sandbox, showEntityLink = true } = props;
  const entityLink = useSandboxEntityLink(sandbox.entityRef);
  return (
    <Flex gap="2" style={{ flexWrap: 'wrap' }}>
      {sandbox.links.vscode && (
        <ButtonLink variant="secondary" href={sandbox.links.vscode}>
          Open in VS Code
        </ButtonLink>
      )}
      {sandbox.links.jetbrainsGateway && (
        <ButtonLink variant="secondary" href={sandbox.links.jetbrainsGateway}>
          Open in JetBrains Gateway
        </ButtonLink>
      )}
      {showEntityLink && entityLink && (
        <ButtonLink variant="tertiary" href={entityLink}>
          Catalog entity
        </ButtonLink>
      )}
    </Flex>
  );
}
