import type { ExecResult, SandboxSize } from '@internal/plugin-sandbox-common';
import {
  DriverError,
  DriverExecRequest,
  DriverUnavailableError,
  SANDBOX_LABELS,
  SandboxDriver,
  SandboxInstance,
  SandboxSpec,
} from '../types';
import { Readable } from 'node:stream';

/**
 * A driver that keeps sandboxes in memory: the local stand-in for a runtime (like Coder's echo
 * provisioner), used by unit tests and by `sandbox.driver: memory` for UI work without an engine.
 * Behaviour can be scripted: failures per operation, a delay, an unavailable runtime.
 */
export class InMemoryDriver implements SandboxDriver {
  readonly name = 'memory';
  readonly instances = new Map<string, SandboxInstance & { spec: SandboxSpec; files: Map<string, string> }>();
  /** Operations that should throw next, with their message. */
  failNext: Partial<
    Record<'create' | 'start' | 'stop' | 'remove' | 'exec' | 'export' | 'import' | 'clone' | 'pause' | 'resume', string>
  > = {};
  available = true;
  delayMs = 0;
  calls: string[] = [];

  async healthCheck(): Promise<void> {
    if (!this.available) throw new DriverUnavailableError('in-memory runtime switched off');
  }

  async create(spec: SandboxSpec, log?: { info(m: string): void }): Promise<SandboxInstance> {
    this.calls.push(`create:${spec.id}`);
    await this.step('create');
    const externalId = `mem-${spec.id}`;
    const existing = this.instances.get(externalId);
    if (existing) return this.view(existing);
    log?.info(`creating ${externalId} from ${spec.image}`);
    const files = new Map<string, string>();
    if (spec.repo) files.set('/workspace/.git/HEAD', `cloned from ${spec.repo.url}`);
    const instance = {
      externalId,
      sandboxId: spec.id,
      status: 'running' as const,
      labels: { ...spec.labels, [SANDBOX_LABELS.managed]: 'true' },
      limits: {
        cpus: spec.size.cpus,
        memoryBytes: spec.size.memoryMiB * 1024 * 1024,
        pids: spec.size.pids,
        networkMode: spec.network ? 'bridge' : 'none',
        user: '1000:1000',
      },
      spec,
      files,
    };
    this.instances.set(externalId, instance);
    return this.view(instance);
  }

  async start(externalId: string, options?: { size?: SandboxSize }): Promise<SandboxInstance> {
    this.calls.push(`start:${externalId}`);
    await this.step('start');
    const instance = this.need(externalId);
    instance.status = 'running';
    if (options?.size) {
      instance.limits = {
        ...instance.limits,
        cpus: options.size.cpus,
        memoryBytes: options.size.memoryMiB * 1024 * 1024,
        pids: options.size.pids,
      };
    }
    return this.view(instance);
  }

  async stop(externalId: string): Promise<void> {
    this.calls.push(`stop:${externalId}`);
    await this.step('stop');
    this.need(externalId).status = 'stopped';
  }

  async pause(externalId: string): Promise<void> {
    this.calls.push(`pause:${externalId}`);
    await this.step('pause');
    const instance = this.need(externalId);
    if (instance.status !== 'running' && instance.status !== 'paused') {
      throw new DriverError(`${externalId} is ${instance.status}, not running`);
    }
    instance.status = 'paused';
  }

  async resume(externalId: string): Promise<SandboxInstance> {
    this.calls.push(`resume:${externalId}`);
    await this.step('resume');
    const instance = this.need(externalId);
    if (instance.status !== 'running' && instance.status !== 'paused') {
      throw new DriverError(`${externalId} is ${instance.status}, not paused`);
    }
    instance.status = 'running';
    return this.view(instance);
  }

  async remove(externalId: string): Promise<void> {
    this.calls.push(`remove:${externalId}`);
    await this.step('remove');
    this.instances.delete(externalId);
  }

  async inspect(externalId: string): Promise<SandboxInstance | undefined> {
    const instance = this.instances.get(externalId);
    return instance ? this.view(instance) : undefined;
  }

  async list(): Promise<SandboxInstance[]> {
    await this.healthCheck();
    return [...this.instances.values()].map(i => this.view(i));
  }

  async exec(externalId: string, request: DriverExecRequest): Promise<ExecResult> {
    this.calls.push(`exec:${externalId}:${request.command.join(' ')}`);
    await this.step('exec');
    const instance = this.need(externalId);
    if (instance.status !== 'running') throw new DriverError(`${externalId} is not running`);
    const [cmd, ...args] = request.command;
    if (cmd === 'echo') return { exitCode: 0, stdout: `${args.join(' ')}\n`, stderr: '', timedOut: false, durationMs: 1 };
    if (cmd === 'cat') {
      const content = instance.files.get(args[0]);
      return content === undefined
        ? { exitCode: 1, stdout: '', stderr: `cat: ${args[0]}: No such file or directory\n`, timedOut: false, durationMs: 1 }
        : { exitCode: 0, stdout: content, stderr: '', timedOut: false, durationMs: 1 };
    }
    if (cmd === 'sleep') return { exitCode: 137, stdout: '', stderr: '', timedOut: true, durationMs: (request.timeoutSeconds ?? 0) * 1000 };
    return { exitCode: 127, stdout: '', stderr: `${cmd}: command not found\n`, timedOut: false, durationMs: 1 };
  }

  async logs(externalId: string, options?: { tail?: number }): Promise<string> {
    const instance = this.need(externalId);
    const lines = [`sandbox ${instance.spec.name} started`, `image ${instance.spec.image}`];
    return lines.slice(-(options?.tail ?? lines.length)).join('\n');
  }

  /** /workspace as JSON (path -> content): the in-memory stand-in for a tar. */
  async exportWorkspace(externalId: string): Promise<Readable> {
    this.calls.push(`export:${externalId}`);
    await this.step('export');
    const files = [...this.need(externalId).files].filter(([p]) => p.startsWith('/workspace/'));
    return Readable.from([Buffer.from(JSON.stringify(Object.fromEntries(files)))]);
  }

  async importWorkspace(externalId: string, archive: Readable): Promise<void> {
    this.calls.push(`import:${externalId}`);
    const instance = this.need(externalId);
    const chunks: Buffer[] = [];
    for await (const chunk of archive) chunks.push(Buffer.from(chunk));
    await this.step('import');
    const files = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, string>;
    for (const p of [...instance.files.keys()]) if (p.startsWith('/workspace/')) instance.files.delete(p);
    for (const [p, content] of Object.entries(files)) instance.files.set(p, content);
  }

  /** Clones into a running sandbox (warm pool claims): records the repo like create does. */
  async cloneRepo(externalId: string, repo: { url: string; ref?: string }): Promise<void> {
    this.calls.push(`clone:${externalId}`);
    await this.step('clone');
    this.need(externalId).files.set('/workspace/.git/HEAD', `cloned from ${repo.url}`);
  }

  /** Simulates the runtime losing a sandbox (engine reset). */
  lose(externalId: string) {
    this.instances.delete(externalId);
  }

  /** Simulates a labelled resource nobody owns. */
  addOrphan(sandboxId: string) {
    const externalId = `mem-${sandboxId}`;
    this.instances.set(externalId, {
      externalId,
      sandboxId,
      status: 'running',
      labels: { [SANDBOX_LABELS.managed]: 'true', [SANDBOX_LABELS.id]: sandboxId },
      spec: { id: sandboxId } as SandboxSpec,
      files: new Map(),
    });
  }

  private async step(op: keyof InMemoryDriver['failNext']) {
    await this.healthCheck();
    if (this.delayMs) await new Promise(r => setTimeout(r, this.delayMs));
    const failure = this.failNext[op];
    if (failure) {
      delete this.failNext[op];
      throw new DriverError(failure);
    }
  }

  private need(externalId: string) {
    const instance = this.instances.get(externalId);
    if (!instance) throw new DriverError(`no sandbox ${externalId} in the runtime`);
    return instance;
  }

  private view(instance: SandboxInstance & { spec: SandboxSpec }): SandboxInstance {
    const { spec: _spec, files: _files, ...rest } = instance as SandboxInstance & { spec: SandboxSpec; files: unknown };
    return { ...rest, labels: { ...rest.labels } };
  }
}
