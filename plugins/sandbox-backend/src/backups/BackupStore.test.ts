import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalDirectoryBackupStore } from './BackupStore';
import { backupStoreContract } from './__testUtils__/backupStoreContract';

backupStoreContract('local directory', async () => {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'backup-store-'));
  return {
    store: new LocalDirectoryBackupStore(directory),
    async putRaw(backupId, name, content) {
      await mkdir(path.join(directory, backupId), { recursive: true });
      await writeFile(path.join(directory, backupId, name), content);
    },
  };
});

describe('LocalDirectoryBackupStore', () => {
  it('lists nothing when the directory does not exist yet', async () => {
    const store = new LocalDirectoryBackupStore(path.join(os.tmpdir(), `absent-${process.pid}-${Date.now()}`));
    expect(await store.listIds()).toEqual([]);
    expect(await store.listManifests()).toEqual([]);
  });
});
