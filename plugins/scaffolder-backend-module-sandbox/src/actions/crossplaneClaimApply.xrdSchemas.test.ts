import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');

describe('crossplaneClaimApply.xrdSchemas.ts', () => {
  it('is what k8s/crossplane/scripts/generate-xrd-schemas.mjs generates from the XRDs', () => {
    const generated = execFileSync(
      process.execPath,
      [
        path.join(ROOT, 'k8s/crossplane/scripts/generate-xrd-schemas.mjs'),
        '--stdout',
      ],
      { encoding: 'utf8' },
    );
    const committed = fs.readFileSync(
      path.join(__dirname, 'crossplaneClaimApply.xrdSchemas.ts'),
      'utf8',
    );
    // On a mismatch: node k8s/crossplane/scripts/generate-xrd-schemas.mjs
    expect(committed).toBe(generated);
  });
});
