import fs from 'node:fs';
import path from 'node:path';
import { loadYaml } from '@kubernetes/client-node';
import Ajv from 'ajv';

/** Repository root, from this file (plugins/sandbox-backend/src/drivers/kubernetes/__testUtils__). */
export const REPO_ROOT = path.resolve(__dirname, '../../../../../..');
const XRD_DIR = path.join(REPO_ROOT, 'k8s/crossplane/base/apis/xrds');

/**
 * The openAPIV3Schema of the served version of the XRD defining `kind`, read from
 * k8s/crossplane. Objects with `properties` are closed (additionalProperties: false), because the
 * API server would silently prune unknown fields instead of rejecting them: a typo in a claim the
 * driver writes must fail here. `spec.crossplane` (added by Crossplane to every XR) stays open.
 */
export function xrdSchemaFor(kind: string): object {
  for (const file of fs.readdirSync(XRD_DIR)) {
    const xrd = loadYaml<any>(
      fs.readFileSync(path.join(XRD_DIR, file), 'utf8'),
    );
    if (xrd?.spec?.names?.kind === kind) {
      const schema = structuredClone(
        xrd.spec.versions[0].schema.openAPIV3Schema,
      );
      close(schema);
      schema.properties.apiVersion = { type: 'string' };
      schema.properties.kind = { type: 'string', enum: [kind] };
      schema.properties.metadata = { type: 'object' };
      schema.properties.spec.properties.crossplane = { type: 'object' };
      return schema;
    }
  }
  throw new Error(`no XRD for kind ${kind} in ${XRD_DIR}`);
}

function close(schema: any): void {
  if (schema && typeof schema === 'object') {
    if (schema.properties && schema.additionalProperties === undefined) {
      schema.additionalProperties = false;
    }
    for (const value of Object.values(schema)) close(value);
  }
}

/** Validation errors of `obj` against the XRD of its kind (empty when valid). */
export function xrdErrors(obj: any): string[] {
  const ajv = new Ajv({ strict: false, allErrors: true });
  const validate = ajv.compile(xrdSchemaFor(obj.kind));
  if (validate(obj)) return [];
  return (validate.errors ?? []).map(
    e =>
      `${e.instancePath || '(root)'} ${e.message}${
        e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ''
      }`,
  );
}
