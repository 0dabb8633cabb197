/* eslint-disable jest/no-export -- a shared suite: each store's test file runs it */
import type { BackupManifest } from '@internal/plugin-sandbox-common';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { BackupStore } from '../BackupStore';

export interface StoreUnderTest {
  store: BackupStore;
  /** Writes bytes under a backup id bypassing the store (a stray or half-written object). */
  putRaw(backupId: string, name: string, content: string | Buffer): Promise<void>;
}

const manifestOf = (backupId: string, blob: { name: string; sha256: string; sizeBytes: number }): BackupManifest => ({
  formatVersion: 1,
  backupId,
  sandboxId: 'sb-1',
  sandboxName: 'box',
  workspace: 'team-a',
  source: { template: 'python', image: 'img', size: 'small', network: false },
  driver: 'memory',
  trigger: 'manual',
  createdAt: '2026-11-25T00:00:00.000Z',
  completedAt: '2026-11-25T00:00:01.000Z',
  createdBy: 'user:default/ada',
  state: 'complete',
  sizeBytes: blob.sizeBytes,
  blobs: [blob],
});

/** `size` random bytes, streamed in 64 KiB chunks (never one buffer handed over whole). */
function randomStream(size: number) {
  const hash = createHash('sha256');
  let left = size;
  const stream = new Readable({
    read() {
      if (left === 0) {
        this.push(null);
        return;
      }
      const chunk = randomBytes(Math.min(left, 64 * 1024));
      left -= chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, sha256: () => hash.digest('hex') };
}

async function readAll(stream: Readable) {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

/** The BackupStore contract, run against every implementation (local directory, S3). */
export function backupStoreContract(name: string, setup: () => Promise<StoreUnderTest>) {
  describe(`BackupStore contract: ${name}`, () => {
    it('streams a multi-part blob (> 5 MiB) in and out with the sha256 and size of what was sent', async () => {
      const { store } = await setup();
      const size = 11 * 1024 * 1024 + 123;
      const source = randomStream(size);
      const started = Date.now();
      const written = await store.putBlob('bk-big', 'workspace.tar', source.stream);
      console.log(`${name}: put ${size} bytes in ${Date.now() - started} ms`);
      expect(written).toEqual({ name: 'workspace.tar', sha256: source.sha256(), sizeBytes: size });
      expect(await store.hashBlob('bk-big', 'workspace.tar')).toEqual(written);
      const back = await readAll(await store.getBlob('bk-big', 'workspace.tar'));
      expect(createHash('sha256').update(back).digest('hex')).toBe(written.sha256);
    });

    it('lists a backup as complete only once its manifest is written (manifest last)', async () => {
      const { store } = await setup();
      const blob = await store.putBlob('bk-1', 'workspace.tar', Readable.from([Buffer.from('data')]));
      expect(blob.sha256).toBe(createHash('sha256').update('data').digest('hex'));
      expect(await store.getManifest('bk-1')).toBeUndefined();
      expect(await store.listManifests()).toEqual([]);
      expect((await store.listIds()).map(i => i.id)).toEqual(['bk-1']);
      await store.putManifest(manifestOf('bk-1', blob));
      expect(await store.getManifest('bk-1')).toEqual(manifestOf('bk-1', blob));
      expect((await store.listManifests()).map(m => m.backupId)).toEqual(['bk-1']);
    });

    it('treats unparseable, incomplete and foreign manifests as absent, and lists their ids as orphans', async () => {
      const { store, putRaw } = await setup();
      await putRaw('bk-torn', 'manifest.json', '{"state":"comp');
      await putRaw('bk-wip', 'manifest.json', JSON.stringify({ ...manifestOf('bk-wip', { name: 'workspace.tar', sha256: 'x', sizeBytes: 1 }), state: 'in_progress' }));
      await putRaw('bk-moved', 'manifest.json', JSON.stringify(manifestOf('bk-other', { name: 'workspace.tar', sha256: 'x', sizeBytes: 1 })));
      await putRaw('bk-blob-only', 'workspace.tar', 'x');
      expect(await store.listManifests()).toEqual([]);
      for (const id of ['bk-torn', 'bk-wip', 'bk-moved']) expect(await store.getManifest(id)).toBeUndefined();
      const ids = await store.listIds();
      expect(ids.map(i => i.id).sort()).toEqual(['bk-blob-only', 'bk-moved', 'bk-torn', 'bk-wip']);
      for (const { modifiedAt } of ids) expect(Math.abs(modifiedAt.getTime() - Date.now())).toBeLessThan(3_600_000);
    });

    it('deletes manifest and blobs; a deleted or missing blob cannot be read', async () => {
      const { store } = await setup();
      const blob = await store.putBlob('bk-2', 'workspace.tar', Readable.from([Buffer.from('x')]));
      await store.putManifest(manifestOf('bk-2', blob));
      await store.putBlob('bk-3', 'workspace.tar', Readable.from([Buffer.from('y')]));
      await store.delete('bk-2');
      expect(await store.getManifest('bk-2')).toBeUndefined();
      expect((await store.listIds()).map(i => i.id)).toEqual(['bk-3']);
      await expect(store.getBlob('bk-2', 'workspace.tar')).rejects.toThrow();
      await expect(store.hashBlob('bk-3', 'other.tar')).rejects.toThrow();
      await store.delete('bk-never'); // deleting nothing is fine
    });

    it('rejects ids and blob names that are not one safe path segment', async () => {
      const { store } = await setup();
      const data = () => Readable.from([Buffer.from('x')]);
      await expect(store.putBlob('../escape', 'workspace.tar', data())).rejects.toThrow("invalid backup id '../escape'");
      await expect(store.putBlob('bk-4', 'a/b', data())).rejects.toThrow("invalid blob name 'a/b'");
      await expect(store.putBlob('bk-4', 'manifest.json', data())).rejects.toThrow("invalid blob name 'manifest.json'");
      await expect(store.getBlob('bk-4', '..')).rejects.toThrow("invalid blob name '..'");
      await expect(store.getManifest('')).rejects.toThrow("invalid backup id ''");
      await expect(store.delete('a/../b')).rejects.toThrow('invalid backup id');
      expect(await store.listIds()).toEqual([]);
    });

    it('passes a failing source stream through as the error of putBlob and lists nothing complete', async () => {
      const { store } = await setup();
      const failing = new Readable({
        read() {
          this.destroy(new Error('engine said no'));
        },
      });
      await expect(store.putBlob('bk-5', 'workspace.tar', failing)).rejects.toThrow('engine said no');
      expect(await store.listManifests()).toEqual([]);
    });
  });
}
