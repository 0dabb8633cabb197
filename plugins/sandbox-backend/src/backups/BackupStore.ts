import type { BackupBlob, BackupManifest } from '@internal/plugin-sandbox-common';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export const MANIFEST_NAME = 'manifest.json';
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Backup ids and blob names are single path segments (no `/`, no `..`), the same for every store. */
export function checkBackupId(backupId: string): string {
  if (!ID_PATTERN.test(backupId)) throw new Error(`invalid backup id '${backupId}'`);
  return backupId;
}

export function checkBlobName(name: string): string {
  if (!ID_PATTERN.test(name) || name === MANIFEST_NAME) throw new Error(`invalid blob name '${name}'`);
  return name;
}

/** A manifest as stored: only a parseable, `complete` manifest of this very backup counts. */
export function parseManifest(text: string, backupId: string): BackupManifest | undefined {
  try {
    const manifest = JSON.parse(text) as BackupManifest;
    return manifest.state === 'complete' && manifest.backupId === backupId ? manifest : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where backup bytes live: blobs plus one manifest per backup. The manifest is written last and
 * atomically; a backup without a (complete) manifest is not a backup, only an orphan that the
 * retention task removes. One implementation per storage system: {@link LocalDirectoryBackupStore}
 * and `S3BackupStore` (S3-compatible object storage).
 */
export interface BackupStore {
  /** Streams a blob in and returns its size and sha256 (as written). */
  putBlob(backupId: string, name: string, content: Readable): Promise<BackupBlob>;
  getBlob(backupId: string, name: string): Promise<Readable>;
  /** Re-reads a stored blob and hashes it. */
  hashBlob(backupId: string, name: string): Promise<BackupBlob>;
  /** Writes the manifest atomically (temp file + rename; one PUT on object storage). */
  putManifest(manifest: BackupManifest): Promise<void>;
  getManifest(backupId: string): Promise<BackupManifest | undefined>;
  /** Complete backups only: those whose manifest is present, parses and says `complete`. */
  listManifests(): Promise<BackupManifest[]>;
  /** Every backup id that has anything stored (complete or not), for orphan cleanup. */
  listIds(): Promise<Array<{ id: string; modifiedAt: Date }>>;
  /** Removes a backup's manifest (first, so it stops counting as complete) and blobs. */
  delete(backupId: string): Promise<void>;
}

/** Counts and hashes what passes through. */
export function hashingStream() {
  const hash = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  return { stream, digest: () => ({ sha256: hash.digest('hex'), sizeBytes: size }) };
}

/** `sandbox.backups.directory`: `<dir>/<backupId>/<blob>` and `<dir>/<backupId>/manifest.json`. */
export class LocalDirectoryBackupStore implements BackupStore {
  constructor(private readonly directory: string) {}

  private dirOf(backupId: string) {
    return path.join(this.directory, checkBackupId(backupId));
  }

  private fileOf(backupId: string, name: string) {
    return path.join(this.dirOf(backupId), checkBlobName(name));
  }

  async putBlob(backupId: string, name: string, content: Readable): Promise<BackupBlob> {
    const file = this.fileOf(backupId, name);
    await mkdir(path.dirname(file), { recursive: true });
    const { stream, digest } = hashingStream();
    await pipeline(content, stream, createWriteStream(file, { flags: 'w' }));
    const handle = await open(file, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    return { name, ...digest() };
  }

  async getBlob(backupId: string, name: string): Promise<Readable> {
    const file = this.fileOf(backupId, name);
    await stat(file); // a missing blob fails here, not half-way through a restore
    return createReadStream(file);
  }

  async hashBlob(backupId: string, name: string): Promise<BackupBlob> {
    const { stream, digest } = hashingStream();
    await pipeline(await this.getBlob(backupId, name), stream, async function* drain(source) {
      for await (const _ of source) {
        // hashed in the transform
      }
    });
    return { name, ...digest() };
  }

  async putManifest(manifest: BackupManifest): Promise<void> {
    const dir = this.dirOf(manifest.backupId);
    await mkdir(dir, { recursive: true });
    const temp = path.join(dir, `.${MANIFEST_NAME}.${randomBytes(4).toString('hex')}.tmp`);
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(JSON.stringify(manifest, null, 2));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path.join(dir, MANIFEST_NAME));
    // the rename itself is durable only once the directory is synced
    const dirHandle = await open(dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  }

  async getManifest(backupId: string): Promise<BackupManifest | undefined> {
    let text: string;
    try {
      text = await readFile(path.join(this.dirOf(backupId), MANIFEST_NAME), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    return parseManifest(text, backupId);
  }

  async listIds(): Promise<Array<{ id: string; modifiedAt: Date }>> {
    let entries;
    try {
      entries = await readdir(this.directory, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const ids = entries.filter(e => e.isDirectory() && ID_PATTERN.test(e.name));
    return Promise.all(
      ids.map(async e => ({ id: e.name, modifiedAt: (await stat(path.join(this.directory, e.name))).mtime })),
    );
  }

  async listManifests(): Promise<BackupManifest[]> {
    const manifests = await Promise.all((await this.listIds()).map(({ id }) => this.getManifest(id)));
    return manifests.filter((m): m is BackupManifest => m !== undefined);
  }

  async delete(backupId: string): Promise<void> {
    const dir = this.dirOf(backupId);
    await rm(path.join(dir, MANIFEST_NAME), { force: true });
    await rm(dir, { recursive: true, force: true });
  }
}
