import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ConflictError } from '@backstage/errors';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { validRequest } from '../__testUtils__/harness';
import { BackupService, WORKSPACE_BLOB } from './BackupService';
import { S3BackupStore } from './S3BackupStore';
import { backupStoreContract } from './__testUtils__/backupStoreContract';
import { createBackupHarness } from './__testUtils__/backupHarness';
import { startS3rver } from './__testUtils__/s3rver';

jest.setTimeout(60_000);

let s3: Awaited<ReturnType<typeof startS3rver>>;
let client: S3Client;
beforeAll(async () => {
  s3 = await startS3rver();
  const o = s3.options();
  client = new S3Client({
    endpoint: o.endpoint,
    region: o.region,
    forcePathStyle: true,
    credentials: { accessKeyId: o.accessKeyId!, secretAccessKey: o.secretAccessKey! },
  });
});
afterAll(async () => {
  client?.destroy();
  await s3?.close();
});

const putRaw = (key: string, body: string | Buffer) => client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));

backupStoreContract('S3 (s3rver)', async () => {
  const prefix = `t-${randomBytes(4).toString('hex')}`;
  return {
    store: s3.store({ prefix }),
    putRaw: async (backupId, name, content) => void (await putRaw(`${prefix}/${backupId}/${name}`, content)),
  };
});

describe('S3BackupStore', () => {
  it('names a missing bucket plainly', async () => {
    const store = s3.store({ bucket: 'no-such-bucket' });
    const error = await store.putBlob('bk-1', WORKSPACE_BLOB, Readable.from([Buffer.from('x')])).catch(e => e);
    expect(error.message).toBe(
      `S3 bucket 'no-such-bucket' at ${s3.endpoint} does not exist (sandbox.backups.s3.bucket); upload of 'bk-1/workspace.tar' failed`,
    );
    await expect(store.listIds()).rejects.toThrow("S3 bucket 'no-such-bucket' at");
    await expect(store.getManifest('bk-1')).rejects.toThrow('does not exist (sandbox.backups.s3.bucket); manifest download');
  });

  it('names the object and the cause when S3 refuses (bad credentials), and when the server is gone', async () => {
    const denied = s3.store({ accessKeyId: 'NOBODY' });
    await expect(denied.putManifest({ backupId: 'bk-1' } as any)).rejects.toThrow(
      `S3 manifest upload of 's3://${s3.bucket}/bk-1/manifest.json' failed: InvalidAccessKeyId`,
    );
    await expect(denied.getBlob('bk-1', WORKSPACE_BLOB)).rejects.toThrow(`S3 download of 's3://${s3.bucket}/bk-1/workspace.tar' failed`);
    const gone = new S3BackupStore({ ...s3.options(), endpoint: 'http://127.0.0.1:1' });
    await expect(gone.listIds()).rejects.toThrow(`S3 listing of 's3://${s3.bucket}/' failed`);
  });

  it('uploads a blob over 5 MiB as a multipart upload (2 parts), without buffering it whole', async () => {
    const store = new S3BackupStore(s3.options({ prefix: 'mp' }), client);
    const send = jest.spyOn(client, 'send');
    const chunk = randomBytes(1024 * 1024);
    const written = await store.putBlob('bk-mp', WORKSPACE_BLOB, Readable.from(Array.from({ length: 6 }, () => chunk)));
    expect(written.sizeBytes).toBe(6 * 1024 * 1024);
    expect(send.mock.calls.map(([command]) => command.constructor.name)).toEqual([
      'CreateMultipartUploadCommand',
      'UploadPartCommand',
      'UploadPartCommand',
      'CompleteMultipartUploadCommand',
      'HeadObjectCommand',
    ]);
    send.mockRestore();
  });

  // s3rver encrypts continuation tokens with DES, which Node 24's OpenSSL 3 lacks: pages come from a stub here
  it('pages through listings, grouping keys by backup id', async () => {
    const pages: Record<string, { Contents: Array<{ Key: string; LastModified: Date }>; IsTruncated: boolean; NextContinuationToken?: string }> = {
      first: { Contents: [{ Key: 'p/bk-a/workspace.tar', LastModified: new Date(1000) }], IsTruncated: true, NextContinuationToken: 't2' },
      t2: { Contents: [{ Key: 'p/bk-a/manifest.json', LastModified: new Date(3000) }], IsTruncated: true, NextContinuationToken: 't3' },
      t3: { Contents: [{ Key: 'p/bk-b/workspace.tar', LastModified: new Date(2000) }], IsTruncated: false },
    };
    const seen: Array<{ token?: string; max?: number }> = [];
    const stub = {
      send: async (command: any) => {
        seen.push({ token: command.input.ContinuationToken, max: command.input.MaxKeys });
        return pages[command.input.ContinuationToken ?? 'first'];
      },
    };
    const store = new S3BackupStore({ bucket: 'b', prefix: 'p', listPageSize: 1 }, stub as unknown as S3Client);
    expect(await store.listIds()).toEqual([
      { id: 'bk-a', modifiedAt: new Date(3000) },
      { id: 'bk-b', modifiedAt: new Date(2000) },
    ]);
    expect(seen).toEqual([{ max: 1 }, { token: 't2', max: 1 }, { token: 't3', max: 1 }]);
  });

  it('keeps to its prefix: keys outside it or without a backup folder are not backups', async () => {
    const store = s3.store({ prefix: 'scoped/' });
    await putRaw('elsewhere/bk-x/workspace.tar', 'x');
    await putRaw('scoped/loose-file', 'x');
    await putRaw('scoped/bad id!/workspace.tar', 'x');
    await store.putBlob('bk-in', WORKSPACE_BLOB, Readable.from([Buffer.from('y')]));
    expect((await store.listIds()).map(i => i.id)).toEqual(['bk-in']);
    const raw = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'scoped/bk-in/workspace.tar' }));
    expect(await raw.Body!.transformToString()).toBe('y');
  });

  it('backs up and restores through the BackupService; a byte flipped in the bucket is caught at restore', async () => {
    const prefix = `svc-${randomBytes(4).toString('hex')}`;
    const store = s3.store({ prefix });
    const h = await createBackupHarness({ store });
    const sandbox = await h.service.create({ ...validRequest }, 'user:default/ada');
    await h.service.idle();
    const record = await h.service.getRecord(sandbox.id);
    h.driver.instances.get(record.externalId!)!.files.set('/workspace/main.py', 'print("hello")\n');
    const backup = await h.backups.create(sandbox.id, 'user:default/ada');
    expect(backup.state).toBe('complete');

    const copy = await h.backups.restore(backup.id, { target: 'new', name: 'from-s3' }, 'user:default/ada');
    expect(h.driver.instances.get(copy.externalId!)!.files.get('/workspace/main.py')).toBe('print("hello")\n');

    const key = `${prefix}/${backup.id}/${WORKSPACE_BLOB}`;
    const bytes = Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }))).Body!.transformToByteArray());
    bytes[Math.floor(bytes.length / 2)] ^= 0x01;
    await putRaw(key, bytes);
    const error = await h.backups.restore(backup.id, { target: 'new', name: 'from-s3-2' }, 'user:default/ada').catch(e => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toContain(`Backup '${backup.id}' is corrupt: blob '${WORKSPACE_BLOB}' has sha256`);
    expect(error.message).toContain('nothing was restored');

    expect((await store.listIds()).map(i => i.id)).toEqual([backup.id]);
    await h.backups.delete(backup.id);
    expect(await store.listIds()).toEqual([]);
  });

  it('a backend killed between blob and manifest leaves no complete backup in the bucket; cleanup removes the orphan', async () => {
    const prefix = `crash-${randomBytes(4).toString('hex')}`;
    let reached!: () => void;
    const atCrash = new Promise<void>(resolve => (reached = resolve));
    const store = s3.store({ prefix });
    const h = await createBackupHarness({
      store,
      // the process "dies" here: the backup never continues
      faults: {
        afterBlobs: () => {
          reached();
          return new Promise<void>(() => {});
        },
      },
    });
    const sandbox = await h.service.create({ ...validRequest }, 'user:default/ada');
    await h.service.idle();
    void h.backups.create(sandbox.id, 'user:default/ada');
    await atCrash;
    const [row] = await h.records.list({ sandboxId: sandbox.id });
    expect(row.state).toBe('in_progress');
    expect((await store.listIds()).map(i => i.id)).toEqual([row.id]);
    expect(await store.listManifests()).toEqual([]);
    expect(await store.getManifest(row.id)).toBeUndefined();

    h.clock.advance(7 * 3_600_000); // "restart", later than staleAfter
    const report = await new BackupService({ ...h.options, faults: undefined }).cleanup();
    expect(report).toMatchObject({ interrupted: [row.id], orphansRemoved: [row.id] });
    expect(await store.listIds()).toEqual([]);
  });
});
