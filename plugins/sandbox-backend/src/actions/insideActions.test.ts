import { mockCredentials } from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import { NotAllowedError } from '@backstage/errors';
import { Readable } from 'node:stream';
import type { InsideService } from '../inside/InsideService';
import type { AuditLog } from '../service/AuditLog';
import type { SandboxAuthorizer } from '../service/authorize';
import { createExecInSandboxAction } from './createExecInSandboxAction';
import { createListSandboxFilesAction } from './createListSandboxFilesAction';
import { createReadSandboxFileAction } from './createReadSandboxFileAction';
import { createWriteSandboxFileAction } from './createWriteSandboxFileAction';
import { MAX_ACTION_READ_BYTES } from './insideShared';

function setup() {
  const calls: Array<[string, ...unknown[]]> = [];
  const audited: Array<{ action: string; workspace?: string; outcome: string; message?: string }> = [];
  const files = new Map<string, Buffer>([
    ['/workspace/a.txt', Buffer.from('héllo')],
    ['/workspace/bin', Buffer.from([0xff, 0xfe, 0x00])],
    ['/workspace/huge', Buffer.alloc(MAX_ACTION_READ_BYTES + 1)],
  ]);
  const inside = {
    exec: async (id: string, req: unknown) => {
      calls.push(['exec', id, req]);
      return { exitCode: 0, stdout: 'out', stderr: '', timedOut: false, durationMs: 3 };
    },
    readFile: async (_id: string, p: string) => ({ size: files.get(p)!.length, stream: Readable.from([files.get(p)!]) }),
    writeFile: async (id: string, p: string, content: Buffer, options: unknown) => {
      calls.push(['writeFile', id, p, content, options]);
      return { path: p, size: content.length };
    },
    list: async (id: string, p: string) => {
      calls.push(['list', id, p]);
      return { path: p, entries: [{ name: 'a.txt', type: 'file', size: 5, mode: 0o644, mtime: '2026-01-01T00:00:00.000Z' }] };
    },
  } as unknown as InsideService;
  const denied = new Set<string>();
  const authorizer = {
    authorize: async (_c: unknown, p: { name: string }, ref: string) => {
      calls.push(['authorize', p.name, ref]);
      if (denied.has(ref)) throw new NotAllowedError(`Not allowed: ${p.name} on sandbox '${ref}'`);
    },
  } as unknown as SandboxAuthorizer;
  const audit = {
    track: async (_c: unknown, t: { action: string; workspace?: string }, fn: () => Promise<unknown>, resolve?: (r: unknown) => { message?: string }) => {
      try {
        const r = await fn();
        audited.push({ action: t.action, workspace: t.workspace, outcome: 'success', message: resolve?.(r)?.message });
        return r;
      } catch (e) {
        audited.push({ action: t.action, workspace: t.workspace, outcome: 'failure', message: (e as Error).message });
        throw e;
      }
    },
  } as unknown as AuditLog;
  const actionsRegistry = actionsRegistryServiceMock();
  const deps = { inside, authorizer, audit, actionsRegistry, workspaceOf: async () => 'team-a' };
  createExecInSandboxAction(deps);
  createReadSandboxFileAction(deps);
  createWriteSandboxFileAction(deps);
  createListSandboxFilesAction(deps);
  return { actionsRegistry, calls, audited, denied };
}

const credentials = mockCredentials.user('user:default/ada');

describe('exec-in-sandbox', () => {
  it('runs the command with sandbox.exec, a default timeout of 60 s, and audits it', async () => {
    const { actionsRegistry, calls, audited } = setup();
    const { output } = await actionsRegistry.invoke({
      id: 'test:exec-in-sandbox',
      input: { id: 's1', command: ['ls'], cwd: '/workspace', stdin: 'x' },
      credentials,
    });
    expect(output).toEqual({ exitCode: 0, stdout: 'out', stderr: '', timedOut: false, durationMs: 3 });
    expect(calls).toEqual([
      ['authorize', 'sandbox.exec', 's1'],
      ['exec', 's1', { command: ['ls'], cwd: '/workspace', env: undefined, stdin: 'x', timeoutSeconds: 60 }],
    ]);
    expect(audited).toEqual([{ action: 'sandbox.exec', workspace: 'team-a', outcome: 'success', message: 'exit 0' }]);
  });

  it('refuses without permission, runs nothing and audits the refusal', async () => {
    const { actionsRegistry, calls, audited, denied } = setup();
    denied.add('s1');
    await expect(actionsRegistry.invoke({ id: 'test:exec-in-sandbox', input: { id: 's1', command: ['ls'] }, credentials })).rejects.toThrow(
      /Not allowed: sandbox.exec/,
    );
    expect(calls.filter(c => c[0] === 'exec')).toEqual([]);
    expect(audited).toMatchObject([{ action: 'sandbox.exec', outcome: 'failure' }]);
  });

  it('rejects an empty command', async () => {
    const { actionsRegistry } = setup();
    await expect(actionsRegistry.invoke({ id: 'test:exec-in-sandbox', input: { id: 's1', command: [] }, credentials })).rejects.toThrow();
  });
});

describe('read-sandbox-file', () => {
  it('returns UTF-8 text as text and anything else as base64, without auditing', async () => {
    const { actionsRegistry, audited } = setup();
    const text = await actionsRegistry.invoke({ id: 'test:read-sandbox-file', input: { id: 's1', path: '/workspace/a.txt' }, credentials });
    expect(text.output).toEqual({ path: '/workspace/a.txt', size: 6, encoding: 'utf8', content: 'héllo' });
    const bin = await actionsRegistry.invoke({ id: 'test:read-sandbox-file', input: { id: 's1', path: '/workspace/bin' }, credentials });
    expect(bin.output).toEqual({ path: '/workspace/bin', size: 3, encoding: 'base64', content: '//4A' });
    expect(audited).toEqual([]);
  });

  it('refuses files over 1 MiB with a message naming the path', async () => {
    const { actionsRegistry } = setup();
    await expect(actionsRegistry.invoke({ id: 'test:read-sandbox-file', input: { id: 's1', path: '/workspace/huge' }, credentials })).rejects.toThrow(
      /path: \/workspace\/huge has 1048577 bytes/,
    );
  });
});

describe('write-sandbox-file', () => {
  it('writes decoded content with parents and mode, audited', async () => {
    const { actionsRegistry, calls, audited } = setup();
    const { output } = await actionsRegistry.invoke({
      id: 'test:write-sandbox-file',
      input: { id: 's1', path: '/workspace/b.bin', content: '//4A', encoding: 'base64', mode: '755' },
      credentials,
    });
    expect(output).toEqual({ path: '/workspace/b.bin', size: 3 });
    expect(calls[1]).toEqual(['writeFile', 's1', '/workspace/b.bin', Buffer.from([0xff, 0xfe, 0]), { parents: true, mode: 0o755 }]);
    expect(audited).toEqual([{ action: 'sandbox.file.write', workspace: 'team-a', outcome: 'success', message: '/workspace/b.bin (3 bytes)' }]);
  });
});

describe('list-sandbox-files', () => {
  it('lists /workspace by default', async () => {
    const { actionsRegistry, calls } = setup();
    const { output } = await actionsRegistry.invoke({ id: 'test:list-sandbox-files', input: { id: 's1' }, credentials });
    expect(output).toMatchObject({ path: '/workspace', entries: [{ name: 'a.txt', type: 'file' }] });
    expect(calls[1]).toEqual(['list', 's1', '/workspace']);
  });
});
