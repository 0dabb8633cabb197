import type { Entity } from '@backstage/catalog-model';
import { SANDBOX_ID_ANNOTATION } from '@internal/plugin-sandbox-common';

export { SANDBOX_ID_ANNOTATION };

/** `spec.type` of the catalog Resources that stand for sandboxes. */
export const SANDBOX_RESOURCE_TYPE = 'sandbox';

/** Reads the sandbox id of a catalog entity, if it has one. */
export function sandboxIdFromEntity(entity: Entity): string | undefined {
  return entity.metadata.annotations?.[SANDBOX_ID_ANNOTATION] || undefined;
}

/** True for a `Resource` of `spec.type: sandbox` that names its sandbox id. */
export function isSandboxEntity(entity: Entity): boolean {
  return (
    entity.kind.toLocaleLowerCase('en-US') === 'resource' &&
    entity.spec?.type === SANDBOX_RESOURCE_TYPE &&
    sandboxIdFromEntity(entity) !== undefined
  );
}
