/**
 * Runs against the REAL Docker engine that `scripts/services/docker.sh` (docker_start) runs, with the
 * images of scripts/build-images.sh. No engine = a loud failure, never a skip.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { ConfigReader } from '@backstage/config';
import { SANDBOX_SIZES } from '@internal/plugin-sandbox-common';
import {
  DriverError,
  DriverUnavailableError,
  SANDBOX_LABELS,
  SandboxSpec,
} from '../types';
import { DockerEngineClient } from './DockerEngineClient';
import { CONTAINER_PREFIX, DockerDriver, volumeNameFor } from './DockerDriver';

jest.setTimeout(60_000);

const ENGINE_MISSING =
  'Docker engine not reachable: run `source scripts/env.sh && source scripts/services/docker.sh && docker_start` (CI does this)';
const BASE_IMAGE = 'portal-sandbox/base:latest';
const EMPTY_IMAGE = 'portal-sandbox-test/empty:latest';
const BROKEN_IMAGE = 'portal-sandbox-test/broken:latest';

const socketPath =
  process.env.PORTAL_DOCKER_SOCKET ||
  (process.env.DOCKER_HOST?.startsWith('unix://')
    ? process.env.DOCKER_HOST.slice(7)
    : '') ||
  '/var/run/docker.sock';
const client = new DockerEngineClient({ socketPath });
const runId = `${Date.now().toString(36)}${Math.random()
  .toString(36)
  .slice(2, 6)}`;
const RUN_LABEL = 'portal.sandbox/test-run';
let counter = 0;

function specFor(overrides: Partial<SandboxSpec> = {}): SandboxSpec {
  const id = overrides.id ?? `dt-${runId}-${++counter}`;
  return {
    id,
    name: `test-${id}`,
    workspace: 'ws-test',
    owner: 'user:default/tester',
    image: BASE_IMAGE,
    size: SANDBOX_SIZES.small,
    env: { FOO: 'bar baz' },
    network: false,
    labels: {
      [SANDBOX_LABELS.id]: id,
      [SANDBOX_LABELS.workspace]: 'ws-test',
      [SANDBOX_LABELS.owner]: 'user:default/tester',
      [SANDBOX_LABELS.template]: 'hello',
      [RUN_LABEL]: runId,
    },
    ...overrides,
  };
}

/** Nothing of sandbox `id` is left on the engine. */
async function expectNothingLeft(id: string) {
  const name = `${CONTAINER_PREFIX}${id}`;
  expect(await client.inspectContainer(name)).toBeUndefined();
  expect(await client.inspectVolume(volumeNameFor(name))).toBeUndefined();
}

let tmp: string;
let repoUrl: string;
let driver: DockerDriver;

beforeAll(async () => {
  try {
    await client.ping();
  } catch (error) {
    throw new Error(
      `${ENGINE_MISSING}\n(socket ${socketPath}: ${(error as Error).message})`,
    );
  }
  if (!(await client.inspectImage(BASE_IMAGE))) {
    throw new Error(
      `image ${BASE_IMAGE} is missing: run scripts/build-images.sh`,
    );
  }
  // A repository with one commit, served over file://.
  tmp = mkdtempSync(path.join(os.tmpdir(), 'docker-driver-test-'));
  const repo = path.join(tmp, 'origin');
  const git = (...args: string[]) =>
    execFileSync(
      'git',
      [
        '-C',
        repo,
        '-c',
        'user.name=Test',
        '-c',
        'user.email=test@example.com',
        ...args,
      ],
      {
        stdio: 'pipe',
      },
    );
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  writeFileSync(path.join(repo, 'README.md'), '# hello sandbox\n');
  git('add', 'README.md');
  git('commit', '-q', '-m', 'initial commit from the test');
  git('branch', 'feature');
  repoUrl = `file://${repo}`;
  driver = new DockerDriver({
    socketPath,
    gitAllowedProtocols: ['file', 'https'],
    gitTimeoutMs: 20_000,
  });
});

afterAll(async () => {
  if (!client) return;
  try {
    const containers = await client.listContainers({
      label: [`${RUN_LABEL}=${runId}`],
    });
    await Promise.all(containers.map(c => client.removeContainer(c.Id)));
    const volumes = await client.listVolumes({
      label: [`${RUN_LABEL}=${runId}`],
    });
    await Promise.all(volumes.map(v => client.removeVolume(v.Name)));
    for (const image of [EMPTY_IMAGE, BROKEN_IMAGE]) {
      await client.request('DELETE', `/images/${image}`, {
        query: { force: true },
      });
    }
  } catch {
    // engine missing: beforeAll already failed loudly
  }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('DockerDriver against the real engine', () => {
  it('answers the health check, and says how to fix a missing engine', async () => {
    await expect(driver.healthCheck()).resolves.toBeUndefined();
    const down = new DockerDriver({
      socketPath: path.join(os.tmpdir(), 'no-such-docker.sock'),
    });
    const error = await down.healthCheck().catch(e => e);
    expect(error).toBeInstanceOf(DriverUnavailableError);
    expect(error.message).toContain(
      `Docker engine not reachable at ${path.join(
        os.tmpdir(),
        'no-such-docker.sock',
      )}`,
    );
    expect(error.message).toContain(
      'scripts/services/docker.sh (docker_start) or set sandbox.docker.socketPath',
    );
  });

  describe('one sandbox through its life', () => {
    const spec = specFor({ repo: { url: '', ref: 'feature' } });
    const name = `${CONTAINER_PREFIX}${spec.id}`;
    let containerId: string;

    it('creates it with the size limits, no network, the sandbox user and the labels', async () => {
      spec.repo!.url = repoUrl;
      const messages: string[] = [];
      const instance = await driver.create(spec, {
        info: m => messages.push(m),
      });
      expect(instance).toMatchObject({
        externalId: name,
        sandboxId: spec.id,
        status: 'running',
        limits: {
          cpus: 0.5,
          memoryBytes: 512 * 1024 * 1024,
          pids: 256,
          networkMode: 'none',
          user: '1000:1000',
        },
        labels: expect.objectContaining({
          [SANDBOX_LABELS.managed]: 'true',
          [SANDBOX_LABELS.id]: spec.id,
          [SANDBOX_LABELS.workspace]: 'ws-test',
          [SANDBOX_LABELS.owner]: 'user:default/tester',
          [SANDBOX_LABELS.template]: 'hello',
          [SANDBOX_LABELS.name]: spec.name,
        }),
      });
      expect(instance.startedAt).toMatch(/^\d{4}-/);
      expect(messages.join('\n')).toMatch(/cloning file:\/\/.*\(feature\)/);

      expect(await driver.inspect(name)).toMatchObject({
        status: 'running',
        limits: instance.limits,
      });
      // What the engine itself holds.
      const raw = (await client.inspectContainer(name))!;
      containerId = raw.Id;
      expect(raw.HostConfig).toMatchObject({
        NanoCpus: 0.5e9,
        Memory: 512 * 1024 * 1024,
        MemorySwap: 512 * 1024 * 1024,
        PidsLimit: 256,
        NetworkMode: 'none',
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        Init: true,
      });
      expect(raw.Config.Env).toContain('FOO=bar baz');
      expect(raw.Mounts).toEqual([
        expect.objectContaining({
          Type: 'volume',
          Name: volumeNameFor(name),
          Destination: '/workspace',
        }),
      ]);
      const volume = await client.inspectVolume(volumeNameFor(name));
      expect(volume?.Labels).toMatchObject({
        [SANDBOX_LABELS.managed]: 'true',
        [SANDBOX_LABELS.id]: spec.id,
      });
    });

    it('has the repo cloned into /workspace, owned by the sandbox user and usable by git', async () => {
      const log = await driver.exec(name, {
        command: ['git', '-C', '/workspace', 'log', '--oneline'],
      });
      expect(log).toMatchObject({ exitCode: 0, stderr: '', timedOut: false });
      expect(log.stdout).toMatch(
        /^[0-9a-f]{7,} initial commit from the test\n$/,
      );
      const branch = await driver.exec(name, {
        command: ['git', 'rev-parse', '--abbrev-ref', 'HEAD'],
      });
      expect(branch.stdout.trim()).toBe('feature');
      const owner = await driver.exec(name, {
        command: [
          'stat',
          '-c',
          '%u:%g %n',
          '/workspace',
          '/workspace/README.md',
          '/workspace/.git',
        ],
      });
      expect(owner.stdout).toBe(
        '1000:1000 /workspace\n1000:1000 /workspace/README.md\n1000:1000 /workspace/.git\n',
      );
      const who = await driver.exec(name, {
        command: ['sh', '-c', 'id -u; id -g; pwd; echo "$FOO"'],
      });
      expect(who.stdout).toBe('1000\n1000\n/workspace\nbar baz\n');
    });

    it('has no network but loopback, no capabilities and no way to gain privileges', async () => {
      const net = await driver.exec(name, {
        command: ['ls', '/sys/class/net'],
      });
      expect(net.stdout.trim()).toBe('lo');
      const status = await driver.exec(name, {
        command: ['grep', '-E', '^(CapEff|NoNewPrivs)', '/proc/self/status'],
      });
      expect(status.stdout).toMatch(/CapEff:\s+0+\n/);
      expect(status.stdout).toMatch(/NoNewPrivs:\s+1/);
    });

    it('execs: stdout and stderr apart, the exit code, cwd, env and user', async () => {
      const result = await driver.exec(name, {
        command: ['sh', '-c', 'echo out; echo err >&2; exit 3'],
      });
      expect(result).toMatchObject({
        exitCode: 3,
        stdout: 'out\n',
        stderr: 'err\n',
        timedOut: false,
      });
      expect(result.durationMs).toBeGreaterThanOrEqual(0);
      const there = await driver.exec(name, {
        command: ['sh', '-c', 'pwd; echo "$GREETING"; id -u'],
        cwd: '/tmp',
        env: { GREETING: 'hello there' },
        user: 'root',
      });
      expect(there).toMatchObject({
        exitCode: 0,
        stdout: '/tmp\nhello there\n0\n',
      });
      // Large output arrives complete, across many frames.
      const big = await driver.exec(name, {
        command: ['sh', '-c', 'seq 1 100000'],
      });
      expect(big.stdout.split('\n')).toHaveLength(100001);
      expect(big.stdout.endsWith('99999\n100000\n')).toBe(true);
      const missing = await driver.exec(name, { command: ['no-such-command'] });
      expect(missing.exitCode).toBe(127);
      expect(missing.stderr).toContain('No such file or directory');
    });

    it('kills a command at its timeout and says so', async () => {
      const started = Date.now();
      const result = await driver.exec(name, {
        command: ['sleep', '30'],
        timeoutSeconds: 1,
      });
      expect(result).toMatchObject({ exitCode: 137, timedOut: true });
      expect(Date.now() - started).toBeLessThan(5_000);
      const quick = await driver.exec(name, {
        command: ['sh', '-c', 'exit 137'],
        timeoutSeconds: 5,
      });
      expect(quick).toMatchObject({ exitCode: 137, timedOut: false });
    });

    it('returns the logs of the main process', async () => {
      expect(await driver.logs(name)).toBe(`sandbox ${spec.id} started\n`);
      expect(await driver.logs(name, { tail: 1 })).toBe(
        `sandbox ${spec.id} started\n`,
      );
      expect(await driver.logs(name, { tail: 0 })).toBe('');
    });

    it('returns the existing container when created again with the same id', async () => {
      const again = await driver.create(spec);
      expect(again).toMatchObject({ externalId: name, status: 'running' });
      expect((await client.inspectContainer(name))!.Id).toBe(containerId);
    });

    it('is found by list()', async () => {
      const all = await driver.list();
      expect(all.find(i => i.externalId === name)).toMatchObject({
        sandboxId: spec.id,
        status: 'running',
        limits: { cpus: 0.5, pids: 256 },
      });
      expect(all.every(i => i.labels[SANDBOX_LABELS.managed] === 'true')).toBe(
        true,
      );
    });

    it('stops and starts again with its volume content', async () => {
      await driver.exec(name, {
        command: ['sh', '-c', 'echo kept > /workspace/notes.txt'],
      });
      await driver.stop(name, { timeoutSeconds: 5 });
      const stopped = await driver.inspect(name);
      expect(stopped).toMatchObject({
        status: 'stopped',
        message: expect.stringMatching(/^exited with code \d+/),
      });
      await expect(driver.stop(name)).resolves.toBeUndefined(); // already stopped: fine
      await expect(driver.exec(name, { command: ['true'] })).rejects.toThrow(
        /is not running \(stopped\)/,
      );

      const started = await driver.start(name);
      expect(started.status).toBe('running');
      const files = await driver.exec(name, {
        command: ['cat', '/workspace/notes.txt', '/workspace/README.md'],
      });
      expect(files.stdout).toBe('kept\n# hello sandbox\n');
    });

    it('create() starts a stopped sandbox instead of making a new one', async () => {
      await driver.stop(name, { timeoutSeconds: 1 });
      const again = await driver.create(spec);
      expect(again.status).toBe('running');
      expect((await client.inspectContainer(name))!.Id).toBe(containerId);
    });

    it('removes the container and its volume, and removing again succeeds', async () => {
      await driver.remove(name);
      await expectNothingLeft(spec.id);
      expect(await driver.inspect(name)).toBeUndefined();
      await expect(driver.remove(name)).resolves.toBeUndefined();
      await expect(driver.start(name)).rejects.toThrow(
        `sandbox container ${name} does not exist`,
      );
      await expect(driver.stop(name)).rejects.toThrow(DriverError);
      await expect(driver.logs(name)).rejects.toThrow(DriverError);
    });
  });

  describe('create is all-or-nothing', () => {
    it('rejects a missing image with how to build it, leaving nothing', async () => {
      const spec = specFor({ image: 'portal-sandbox/does-not-exist:latest' });
      const error = await driver.create(spec).catch(e => e);
      expect(error).toBeInstanceOf(DriverError);
      expect(error.message).toBe(
        'image portal-sandbox/does-not-exist:latest not found: run scripts/build-images.sh',
      );
      await expectNothingLeft(spec.id);
    });

    it('rejects a repo that cannot be cloned with git’s message, leaving nothing', async () => {
      const spec = specFor({ repo: { url: `file://${tmp}/no-such-repo` } });
      const error = await driver.create(spec).catch(e => e);
      expect(error).toBeInstanceOf(DriverError);
      expect(error.message).toMatch(
        new RegExp(
          `^git clone of file://${tmp}/no-such-repo failed: fatal: .* does not appear to be a git repository`,
        ),
      );
      await expectNothingLeft(spec.id);

      const badRef = specFor({ repo: { url: repoUrl, ref: 'no-such-branch' } });
      await expect(driver.create(badRef)).rejects.toThrow(
        /Remote branch no-such-branch not found/,
      );
      await expectNothingLeft(badRef.id);
    });

    it('refuses clone protocols that are not allowed (file:// by default)', async () => {
      const strict = new DockerDriver({ socketPath });
      const spec = specFor({ repo: { url: repoUrl } });
      await expect(strict.create(spec)).rejects.toThrow(
        `git clone of ${repoUrl} refused: protocol 'file' is not allowed (allowed: https, http, ssh, git)`,
      );
      await expectNothingLeft(spec.id);
    });

    /** Imports a tiny image made of `files` (relative to a temp dir). */
    async function importImage(ref: string, files: Record<string, string>) {
      const dir = mkdtempSync(path.join(tmp, 'img-'));
      for (const [file, content] of Object.entries(files))
        writeFileSync(path.join(dir, file), content);
      const tar = execFileSync('tar', ['-C', dir, '-cf', '-', '.']);
      const [repo, tag] = ref.split(':');
      const imported = await client.request('POST', '/images/create', {
        query: { fromSrc: '-', repo, tag },
        body: Readable.from([tar]),
        headers: { 'Content-Type': 'application/x-tar' },
      });
      expect(imported.statusCode).toBe(200);
    }

    it('removes container and volume when the sandbox dies right after start', async () => {
      // An image without /bin/sh: the container is created, the repo uploaded, started, and dies.
      await importImage(EMPTY_IMAGE, { 'hello.txt': 'hi' });
      const spec = specFor({ image: EMPTY_IMAGE, repo: { url: repoUrl } });
      const error = await driver.create(spec).catch(e => e);
      expect(error).toBeInstanceOf(DriverError);
      expect(error.message).toMatch(
        /^sandbox exited right after start \(exited with code 127\): .*exec \/bin\/sh failed/,
      );
      await expectNothingLeft(spec.id);
    });

    it('removes the volume when the engine refuses the container', async () => {
      // /workspace is a file in this image: the engine cannot mount the volume there.
      await importImage(BROKEN_IMAGE, { workspace: 'not a directory' });
      const spec = specFor({ image: BROKEN_IMAGE });
      const error = await driver.create(spec).catch(e => e);
      expect(error).toBeInstanceOf(DriverError);
      expect(error.message).toMatch(
        new RegExp(
          `^creating sandbox ${spec.id} failed: create container ${CONTAINER_PREFIX}${spec.id}: .*not (a )?directory \\(HTTP 500\\)$`,
        ),
      );
      await expectNothingLeft(spec.id);
    });

    it('rejects network: true when the configured network does not exist', async () => {
      const spec = specFor({ network: true });
      const withMissingNetwork = new DockerDriver({
        socketPath,
        networkForSandboxesWithNetwork: 'portal-no-such-net',
      });
      await expect(withMissingNetwork.create(spec)).rejects.toThrow(
        "network 'portal-no-such-net' does not exist on the Docker engine: create it or set sandbox.docker.network",
      );
      await expectNothingLeft(spec.id);
    });

    it('rejects ids that cannot name a container', async () => {
      await expect(driver.create(specFor({ id: 'bad id/..' }))).rejects.toThrow(
        /cannot name a container/,
      );
    });
  });

  describe('recovery (the reconciler may call create again)', () => {
    it('keeps a workspace volume that outlived its container, without cloning over it', async () => {
      const spec = specFor({ repo: { url: repoUrl } });
      const first = await driver.create(spec);
      await driver.exec(first.externalId, {
        command: ['sh', '-c', 'echo mine > /workspace/README.md'],
      });
      await client.removeContainer(first.externalId); // the engine lost the container, not the volume
      const messages: string[] = [];
      const again = await driver.create(
        { ...spec, repo: { url: `file://${tmp}/no-such-repo` } },
        { info: m => messages.push(m) },
      );
      expect(again.status).toBe('running');
      expect(messages).toContain(
        `workspace volume ${volumeNameFor(
          again.externalId,
        )} exists: keeping its content, not cloning`,
      );
      const readme = await driver.exec(again.externalId, {
        command: ['cat', '/workspace/README.md'],
      });
      expect(readme.stdout).toBe('mine\n');
      await driver.remove(again.externalId);
      await expectNothingLeft(spec.id);
    });

    it('re-creates a container an earlier create() left created but never started', async () => {
      const spec = specFor();
      const name = `${CONTAINER_PREFIX}${spec.id}`;
      const halfMade = await client.createContainer(name, {
        Image: BASE_IMAGE,
        Labels: { ...spec.labels, [SANDBOX_LABELS.managed]: 'true' },
        HostConfig: { NetworkMode: 'none' },
      });
      // Young: another process may still be creating it.
      await expect(driver.create(spec)).rejects.toThrow(
        new RegExp(
          `^sandbox container ${name} is being created by another process \\(created \\d+ s ago, not started yet\\); try again later$`,
        ),
      );
      // Old enough: the leftover of a crashed create.
      const patient = new DockerDriver({ socketPath, staleCreateAfterMs: 0 });
      const messages: string[] = [];
      const instance = await patient.create(spec, {
        info: m => messages.push(m),
      });
      expect(instance.status).toBe('running');
      expect(messages).toContain(
        `container ${name} was left half-created: re-creating it`,
      );
      expect((await client.inspectContainer(name))!.Id).not.toBe(halfMade.Id);
      await driver.remove(name);
      await expectNothingLeft(spec.id);
    });

    it('gives concurrent creates of one id one container', async () => {
      const spec = specFor();
      const [a, b] = await Promise.all([
        driver.create(spec),
        driver.create(spec),
      ]);
      expect(a.externalId).toBe(b.externalId);
      const containers = await client.listContainers({
        label: [`${SANDBOX_LABELS.id}=${spec.id}`],
      });
      expect(containers).toHaveLength(1);
      await driver.remove(a.externalId);
      await expectNothingLeft(spec.id);
    });
  });

  it('puts sandboxes that ask for a network on the configured network', async () => {
    const spec = specFor({ network: true, size: SANDBOX_SIZES.medium });
    const hostNet = new DockerDriver({
      socketPath,
      networkForSandboxesWithNetwork: 'host',
    });
    const instance = await hostNet.create(spec);
    expect(instance.limits).toMatchObject({
      networkMode: 'host',
      cpus: 1,
      memoryBytes: 2048 * 1024 * 1024,
      pids: 512,
    });
    await hostNet.remove(instance.externalId);
    await expectNothingLeft(spec.id);
  });

  it('never touches containers that are not portal sandboxes', async () => {
    const name = `portal-foreign-${runId}`;
    await client.createContainer(name, {
      Image: BASE_IMAGE,
      Labels: { [RUN_LABEL]: runId },
      HostConfig: { NetworkMode: 'none' },
    });
    await expect(driver.remove(name)).rejects.toThrow(
      `container ${name} is not a portal sandbox`,
    );
    await expect(driver.exec(name, { command: ['true'] })).rejects.toThrow(
      /is not a portal sandbox/,
    );
    expect(await client.inspectContainer(name)).toBeDefined();
    expect((await driver.list()).some(i => i.externalId === name)).toBe(false);
  });

  it('reads its settings from config', () => {
    const fromConfig = DockerDriver.fromConfig(
      new ConfigReader({
        sandbox: { docker: { socketPath: '/run/x.sock', network: 'sbx-net' } },
      }),
    );
    expect(fromConfig.socketPath).toBe('/run/x.sock');
    const saved = process.env.DOCKER_HOST;
    try {
      process.env.DOCKER_HOST = 'unix:///run/from-env.sock';
      expect(DockerDriver.fromConfig(new ConfigReader({})).socketPath).toBe(
        '/run/from-env.sock',
      );
      process.env.DOCKER_HOST = 'tcp://127.0.0.1:2375';
      expect(DockerDriver.fromConfig(new ConfigReader({})).socketPath).toBe(
        '/var/run/docker.sock',
      );
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });
});
