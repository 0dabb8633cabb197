/**
 * Backups end to end on the REAL Docker engine (scripts/services/docker.sh docker_start) with the
 * images of scripts/build-images.sh. No engine = a loud failure, never a skip.
 */
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { ConflictError } from '@backstage/errors';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { ManualClock } from '../__testUtils__/harness';
import { DatabaseSandboxStore } from '../database/DatabaseSandboxStore';
import { DatabaseWorkspaceStore } from '../database/DatabaseWorkspaceStore';
import { DockerDriver } from '../drivers/docker/DockerDriver';
import { SandboxService } from '../service/SandboxService';
import { WorkspaceService } from '../service/WorkspaceService';
import { LocalDirectoryBackupStore } from './BackupStore';
import { BackupService, WORKSPACE_BLOB } from './BackupService';
import { DatabaseBackupRecords } from './DatabaseBackupRecords';
import { BackupMetrics } from './metrics';

jest.setTimeout(240_000);

const BASE_IMAGE = 'portal-sandbox/base:latest';
const USER = 'user:default/ada';
const socketPath =
  process.env.PORTAL_DOCKER_SOCKET ||
  (process.env.DOCKER_HOST?.startsWith('unix://') ? process.env.DOCKER_HOST.slice(7) : '') ||
  '/var/run/docker.sock';

/** Paths, types, modes, owners and content hashes of everything under /workspace. */
const FINGERPRINT = [
  'sh',
  '-c',
  "cd /workspace && find . -mindepth 1 -printf '%p %y %m %u:%g %l\\n' | LC_ALL=C sort && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum",
];
const WRITE_FILES = [
  'sh',
  '-c',
  [
    'set -e',
    'mkdir -p /workspace/src/deep /workspace/empty-dir',
    'head -c 1048576 /dev/urandom > /workspace/src/random.bin',
    'printf "print(1)\\n" > /workspace/src/main.py',
    'echo secret > /workspace/.env',
    'echo deep > /workspace/src/deep/a.txt',
    'chmod 700 /workspace/src/deep',
    'chmod 755 /workspace/src/main.py',
    'ln -s src/deep/a.txt /workspace/link',
  ].join(' && '),
];

const databases = TestDatabases.create({ ids: ['SQLITE_3'], disableDocker: true });
let dir: string;
let service: SandboxService;
let driver: DockerDriver;
let backups: BackupService;
let records: DatabaseBackupRecords;
let store: LocalDirectoryBackupStore;
let clock: ManualClock;
const timings: string[] = [];
const created = new Set<string>();

async function exec(id: string, command: string[]) {
  const result = await service.exec(id, { command, timeoutSeconds: 60 });
  if (result.exitCode !== 0) throw new Error(`${command.join(' ')} exited ${result.exitCode}: ${result.stderr}`);
  return result.stdout;
}

async function running(name: string) {
  const sandbox = await service.create(
    { name, workspace: 'team-a', template: 'base', size: 'small', env: {}, network: false, ttlSeconds: null, idleTimeoutSeconds: null, labels: {} },
    USER,
  );
  created.add(sandbox.id);
  return service.waitFor(sandbox.id, ['running', 'failed'], 120_000).then(s => {
    if (s.state !== 'running') throw new Error(`sandbox ${name} failed: ${s.reason}`);
    return s;
  });
}

beforeAll(async () => {
  driver = new DockerDriver({ socketPath });
  try {
    await driver.healthCheck();
  } catch (e) {
    throw new Error(
      `Docker engine not reachable: run \`source scripts/env.sh && source scripts/services/docker.sh && docker_start\` (${(e as Error).message})`,
    );
  }
  if (!(await driver.client.inspectImage(BASE_IMAGE))) throw new Error(`image ${BASE_IMAGE} is missing: run scripts/build-images.sh`);
  const knex = await databases.init('SQLITE_3');
  const sandboxStore = await DatabaseSandboxStore.create({ database: mockServices.database({ knex, migrations: { skip: false } }) });
  const workspaceStore = new DatabaseWorkspaceStore(knex);
  clock = new ManualClock(new Date());
  const logger = mockServices.logger.mock();
  await new WorkspaceService({ store: workspaceStore, clock, logger, admins: [] }).bootstrap([
    { name: 'team-a', plan: 'enterprise', members: [{ ref: USER, role: 'owner' }] } as any,
  ]);
  service = new SandboxService({
    store: sandboxStore,
    driver,
    clock,
    logger,
    templates: { base: { image: BASE_IMAGE } },
    appBaseUrl: 'http://portal.test',
    quotaLimits: async ws => (await workspaceStore.getQuota(ws)).limits,
  });
  dir = await mkdtemp(path.join(os.tmpdir(), 'backup-docker-'));
  records = new DatabaseBackupRecords(knex);
  store = new LocalDirectoryBackupStore(dir);
  backups = new BackupService({ records, store, sandboxes: service, driver, clock, logger, metrics: new BackupMetrics(new Registry()) });
});

afterAll(async () => {
  // the database is gone by now (TestDatabases' own afterAll): remove by the id label
  if (driver) {
    await service?.idle();
    for (const instance of await driver.list()) {
      if (instance.sandboxId && created.has(instance.sandboxId)) await driver.remove(instance.externalId);
    }
  }
  if (dir) await rm(dir, { recursive: true, force: true });
  // eslint-disable-next-line no-console
  if (timings.length) console.log(`backup timings (Docker engine):\n${timings.join('\n')}`);
});

describe('backups on the Docker engine', () => {
  let original: string;
  let backupId: string;
  let copyId: string;

  it('backs up /workspace, deletes the sandbox and restores it byte-identical into a new one', async () => {
    const source = await running('bk-source');
    await exec(source.id, WRITE_FILES);
    original = await exec(source.id, FINGERPRINT);
    expect(original).toContain('./src/random.bin f 644 sandbox:sandbox');
    expect(original).toContain('./link l 777 sandbox:sandbox src/deep/a.txt');

    let t = Date.now();
    const backup = await backups.create(source.id, USER);
    timings.push(`backup: ${Date.now() - t} ms, ${backup.sizeBytes} bytes`);
    backupId = backup.id;
    expect(backup).toMatchObject({ state: 'complete' });
    expect(backup.sizeBytes!).toBeGreaterThan(1_048_576);
    expect((await store.getManifest(backup.id))!.blobs).toEqual([
      { name: WORKSPACE_BLOB, sizeBytes: backup.sizeBytes, sha256: backup.sha256 },
    ]);

    await service.delete(source.id);
    await service.idle();
    expect(await driver.inspect(source.externalId!)).toBeUndefined();

    t = Date.now();
    const copy = await backups.restore(backup.id, { target: 'new', name: 'bk-copy' }, USER);
    timings.push(`restore into a new sandbox (incl. create): ${Date.now() - t} ms`);
    copyId = copy.id;
    created.add(copy.id);
    expect(await exec(copy.id, FINGERPRINT)).toBe(original);
  });

  it('restores in place into a stopped sandbox, removing what was added since', async () => {
    const ofCopy = await backups.create(copyId, USER);
    await exec(copyId, ['sh', '-c', 'echo changed > /workspace/src/main.py && echo new > /workspace/added.txt && rm /workspace/.env']);
    expect(await exec(copyId, FINGERPRINT)).not.toBe(original);
    await service.stop(copyId);
    await service.idle();
    const t = Date.now();
    const restored = await backups.restore(ofCopy.id, { target: 'in-place' }, USER);
    timings.push(`restore in place (stopped): ${Date.now() - t} ms`);
    expect(restored.state).toBe('stopped');
    const record = await service.getRecord(copyId);
    expect((await driver.inspect(record.externalId!))!.status).toBe('stopped');
    await service.start(copyId);
    await service.waitFor(copyId, ['running'], 60_000);
    expect(await exec(copyId, FINGERPRINT)).toBe(original);
  });

  it('detects a corrupted blob with a clear error and changes nothing', async () => {
    const blob = path.join(dir, backupId, WORKSPACE_BLOB);
    const bytes = await readFile(blob);
    bytes[bytes.length >> 1] ^= 0xff;
    await writeFile(blob, bytes);
    const before = (await service.list({ limit: 200 })).totalCount;
    const error = await backups.restore(backupId, { target: 'new', name: 'bk-bad' }, USER).catch(e => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toMatch(new RegExp(`^Backup '${backupId}' is corrupt: blob 'workspace.tar' has sha256 [0-9a-f]{64}`));
    expect((await service.list({ limit: 200 })).totalCount).toBe(before);
    expect(await exec(copyId, FINGERPRINT)).toBe(original);
  });

  it('keeps exactly the 3 newest of 5 scheduled backups with retention 3', async () => {
    await backups.setSchedule('team-a', { intervalHours: 6, retentionCount: 3, retentionDays: null }, USER);
    const made: string[] = [];
    for (let run = 0; run < 5; run++) {
      const report = await backups.runScheduled();
      expect(report.failed).toEqual([]);
      made.push(...report.backedUp);
      clock.advance(6 * 3_600_000);
    }
    expect(made).toHaveLength(5);
    const kept = await records.list({ sandboxId: copyId, trigger: 'schedule' });
    expect(kept.map(b => b.id)).toEqual(made.slice(2).reverse());
    const onDisk = (await readdir(dir)).filter(d => made.includes(d));
    expect(onDisk.sort()).toEqual(made.slice(2).sort());
    for (const id of made.slice(2)) expect((await store.getManifest(id))?.state).toBe('complete');
  });
});
