import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ClientConfig,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { BackupBlob, BackupManifest } from '@internal/plugin-sandbox-common';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BackupStore, checkBackupId, checkBlobName, hashingStream, ID_PATTERN, MANIFEST_NAME, parseManifest } from './BackupStore';

/** `sandbox.backups.s3` (docs/operators/backups.md). Keys unset: the SDK's default credential chain. */
export interface S3BackupStoreOptions {
  bucket: string;
  /** Key prefix of every backup (`<prefix><backupId>/<blob>`); a trailing `/` is added. */
  prefix?: string;
  region?: string;
  /** An S3-compatible endpoint (MinIO, Ceph, R2, ...); unset: AWS. */
  endpoint?: string;
  forcePathStyle?: boolean;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Multipart part size (minimum and default 5 MiB) and parts in flight (default 4). */
  partSizeBytes?: number;
  queueSize?: number;
  /** Keys per listing page (S3's maximum and default: 1000). */
  listPageSize?: number;
}

const isS3Error = (e: unknown, ...names: string[]) =>
  e instanceof S3ServiceException ? names.includes(e.name) : names.includes((e as { name?: string })?.name ?? '');

/**
 * Backups in an S3-compatible bucket: `<prefix><backupId>/workspace.tar` (streamed in as a
 * multipart upload, never buffered whole) and `<prefix><backupId>/manifest.json`, written last as
 * one PUT. S3 makes a PUT visible whole or not at all, so a backup whose manifest is missing was
 * never complete, and {@link listManifests} never lists it.
 */
export class S3BackupStore implements BackupStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(private readonly options: S3BackupStoreOptions, client?: S3Client) {
    this.bucket = options.bucket;
    this.prefix = options.prefix ? `${options.prefix.replace(/\/+$/, '')}/` : '';
    const config: S3ClientConfig = {
      region: options.region ?? 'us-east-1',
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? false,
      // S3-compatible servers do not all know the SDK's newer default checksums; integrity is ours (sha256)
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(options.accessKeyId && options.secretAccessKey
        ? { credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } }
        : {}),
    };
    this.client = client ?? new S3Client(config);
  }

  private keyOf(backupId: string, name: string) {
    return `${this.prefix}${checkBackupId(backupId)}/${name}`;
  }

  /** S3's errors with the bucket and key named; a missing bucket says so plainly. */
  private async call<T>(what: string, key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (isS3Error(e, 'NoSuchBucket')) {
        throw new Error(
          `S3 bucket '${this.bucket}'${this.options.endpoint ? ` at ${this.options.endpoint}` : ''} does not exist ` +
            `(sandbox.backups.s3.bucket); ${what} of '${key}' failed`,
        );
      }
      const err = e as Error;
      throw new Error(`S3 ${what} of 's3://${this.bucket}/${key}' failed: ${err.name}: ${err.message}`);
    }
  }

  async putBlob(backupId: string, name: string, content: Readable): Promise<BackupBlob> {
    const key = this.keyOf(backupId, checkBlobName(name));
    const { stream, digest } = hashingStream();
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: stream, ContentType: 'application/x-tar' },
      partSize: Math.max(this.options.partSizeBytes ?? 5 * 1024 * 1024, 5 * 1024 * 1024),
      queueSize: this.options.queueSize ?? 4,
      leavePartsOnError: false, // a failed upload is aborted: no parts left behind
    });
    // both must finish: a failing source aborts the upload, a failing upload stops the source
    let sourceError: Error | undefined;
    const source = pipeline(content, stream).catch(async e => {
      sourceError = e;
      await upload.abort().catch(() => undefined);
    });
    try {
      await this.call('upload', key, () =>
        upload.done().catch(e => {
          content.destroy();
          stream.destroy();
          throw sourceError ?? e;
        }),
      );
    } catch (e) {
      throw sourceError ?? e; // the source's own error (the export failed), not S3's
    }
    await source;
    if (sourceError) throw sourceError;
    const written = { name, ...digest() };
    const head = await this.call('head', key, () => this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key })));
    if (head.ContentLength !== written.sizeBytes) {
      throw new Error(`S3 object '${key}' has ${head.ContentLength} bytes after the upload, ${written.sizeBytes} were sent`);
    }
    return written;
  }

  async getBlob(backupId: string, name: string): Promise<Readable> {
    const key = this.keyOf(backupId, checkBlobName(name));
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.Body as Readable;
    } catch (e) {
      if (isS3Error(e, 'NoSuchKey', 'NotFound')) {
        throw new Error(`blob '${name}' of backup '${backupId}' is missing from s3://${this.bucket}/${key}`);
      }
      return this.call('download', key, () => Promise.reject(e));
    }
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
    const key = this.keyOf(manifest.backupId, MANIFEST_NAME);
    await this.call('manifest upload', key, () =>
      this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: JSON.stringify(manifest, null, 2), ContentType: 'application/json' }),
      ),
    );
  }

  async getManifest(backupId: string): Promise<BackupManifest | undefined> {
    const key = this.keyOf(backupId, MANIFEST_NAME);
    let text: string;
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      text = await out.Body!.transformToString('utf8');
    } catch (e) {
      if (isS3Error(e, 'NoSuchKey', 'NotFound')) return undefined;
      return this.call('manifest download', key, () => Promise.reject(e));
    }
    return parseManifest(text, backupId);
  }

  /** Every key under the prefix, grouped by backup id (the first path segment). */
  private async listKeys(under = ''): Promise<Array<{ key: string; modifiedAt: Date }>> {
    const keys: Array<{ key: string; modifiedAt: Date }> = [];
    let token: string | undefined;
    do {
      const command = new ListObjectsV2Command({
        Bucket: this.bucket,
        Prefix: `${this.prefix}${under}`,
        ContinuationToken: token,
        MaxKeys: this.options.listPageSize,
      });
      const page = await this.call('listing', `${this.prefix}${under}`, () => this.client.send(command));
      for (const o of page.Contents ?? []) if (o.Key) keys.push({ key: o.Key, modifiedAt: o.LastModified ?? new Date(0) });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  async listIds(): Promise<Array<{ id: string; modifiedAt: Date }>> {
    const ids = new Map<string, Date>();
    for (const { key, modifiedAt } of await this.listKeys()) {
      const [id, rest] = [key.slice(this.prefix.length).split('/')[0], key.slice(this.prefix.length).split('/')[1]];
      if (rest === undefined || !ID_PATTERN.test(id)) continue;
      const seen = ids.get(id);
      if (!seen || seen < modifiedAt) ids.set(id, modifiedAt);
    }
    return [...ids].map(([id, modifiedAt]) => ({ id, modifiedAt }));
  }

  async listManifests(): Promise<BackupManifest[]> {
    const manifests = await Promise.all((await this.listIds()).map(({ id }) => this.getManifest(id)));
    return manifests.filter((m): m is BackupManifest => m !== undefined);
  }

  async delete(backupId: string): Promise<void> {
    const manifestKey = this.keyOf(backupId, MANIFEST_NAME);
    // the manifest first: from here on the backup no longer counts as complete
    await this.call('delete', manifestKey, () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: manifestKey })));
    for (const { key } of await this.listKeys(`${backupId}/`)) {
      await this.call('delete', key, () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })));
    }
  }
}
