import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { S3BackupStore, S3BackupStoreOptions } from '../S3BackupStore';

// s3rver ships no types; it is a devDependency used only here
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver');

/**
 * A real S3-compatible server (s3rver, files in a temp directory) on 127.0.0.1 with a random
 * port: no network needed. `bucket` exists; others do not.
 */
export async function startS3rver(bucket = 'backups') {
  const directory = await mkdtemp(path.join(os.tmpdir(), 's3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  const options = (extra: Partial<S3BackupStoreOptions> = {}): S3BackupStoreOptions => ({
    bucket,
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    ...extra,
  });
  return {
    endpoint,
    bucket,
    options,
    store: (extra: Partial<S3BackupStoreOptions> = {}) => new S3BackupStore(options(extra)),
    async close() {
      // the stores' clients keep connections alive: close them, or close() waits for their timeout
      const closing = server.close();
      server.httpServer?.closeAllConnections?.();
      await closing;
      await rm(directory, { recursive: true, force: true });
    },
  };
}
