/**
 * The agent (agent/portal-agent.js) spawned on the host with a temporary socket, driven through
 * AgentClient: the same code that runs inside every Docker sandbox.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createHarness, validRequest } from '../__testUtils__/harness';
import { AgentClient, AgentExecEvent, checkSocketPath } from './AgentClient';

jest.setTimeout(30_000);

const AGENT = path.resolve(__dirname, '../../agent/portal-agent.js');
const uid = process.getuid!();

function startAgent(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [AGENT, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', c => (out += c));
  child.stderr!.on('data', c => (out += c));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent not ready: ${out}`)), 10_000);
    child.stdout!.on('data', () => {
      if (out.includes('READY')) {
        clearTimeout(timer);
        resolve({ child, output: () => out });
      }
    });
    child.on('exit', code => reject(new Error(`agent exited ${code}: ${out}`)));
  });
}

describe('portal agent over a unix socket', () => {
  let dir: string;
  let agent: ChildProcess;
  let client: AgentClient;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'h5-agent-'));
    ({ child: agent } = await startAgent(['--socket', path.join(dir, 'agent.sock'), '--ready-line', 'READY'], {
      PORTAL_AGENT_TOKEN: 'not-for-commands',
    }));
    client = new AgentClient({ kind: 'unix', socketPath: path.join(dir, 'agent.sock'), uid });
  });

  afterAll(() => {
    client?.close();
    agent?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers health and creates its socket private to its user', async () => {
    expect(await client.health()).toMatchObject({ ok: true, version: '1' });
    expect(statSync(path.join(dir, 'agent.sock')).mode & 0o777).toBe(0o600);
  });

  it('runs a command with exit code, stdout, stderr, cwd, env and stdin; hides its token', async () => {
    const result = await client.exec({
      command: ['sh', '-c', 'echo "$FOO in $(pwd) [$PORTAL_AGENT_TOKEN]"; cat; echo oops >&2; exit 3'],
      cwd: dir,
      env: { FOO: 'bar baz' },
      stdin: 'from stdin\n',
    });
    expect(result).toMatchObject({ exitCode: 3, stdout: `bar baz in ${dir} []\nfrom stdin\n`, stderr: 'oops\n', timedOut: false });
  });

  it('kills the whole process group on timeout', async () => {
    const marker = path.join(dir, 'survivor');
    const result = await client.exec({
      command: ['sh', '-c', `(sleep 1; touch ${marker}) & sleep 5`],
      timeoutMs: 300,
    });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBe(137);
    await new Promise(r => setTimeout(r, 1300));
    expect(existsSync(marker)).toBe(false);
  });

  it('reports a missing program as exit 127 and caps output', async () => {
    expect(await client.exec({ command: ['/no/such/program'] })).toMatchObject({ exitCode: 127 });
    const big = await client.exec({ command: ['sh', '-c', 'head -c 5000 /dev/zero'], maxOutputBytes: 1000 });
    expect(big.stdout).toHaveLength(1000);
    expect(big.truncated).toBe(true);
  });

  it('rejects a bad exec request with an InputError naming the field', async () => {
    await expect(client.exec({ command: [] })).rejects.toMatchObject({ name: 'InputError', message: expect.stringContaining('command') });
  });

  it('streams output as it comes, then the exit', async () => {
    const events: AgentExecEvent[] = [];
    for await (const e of client.execStream({ command: ['sh', '-c', 'echo one; sleep 0.1; echo two >&2; exit 4'] })) events.push(e);
    expect(events.filter(e => e.type !== 'exit')).toEqual([
      { type: 'stdout', data: 'one\n' },
      { type: 'stderr', data: 'two\n' },
    ]);
    expect(events[events.length - 1]).toMatchObject({ type: 'exit', exitCode: 4, timedOut: false });
  });

  it('kills a streamed command when the caller goes away', async () => {
    const marker = path.join(dir, 'stream-survivor');
    const abort = new AbortController();
    const iterator = client.execStream({ command: ['sh', '-c', `echo started; sleep 1; touch ${marker}`] }, abort.signal);
    const first = await iterator.next();
    expect(first.value).toEqual({ type: 'stdout', data: 'started\n' });
    abort.abort();
    await expect(iterator.next()).rejects.toThrow();
    await new Promise(r => setTimeout(r, 1300));
    expect(existsSync(marker)).toBe(false);
  });

  it('writes atomically, reads, stats, lists, makes directories and removes', async () => {
    const file = path.join(dir, 'w', 'sub', 'a.txt');
    await expect(client.writeFile(file, 'x')).rejects.toMatchObject({ name: 'NotFoundError' });
    expect(await client.writeFile(file, Readable.from([Buffer.from('hello '), Buffer.from('world')]), { parents: true, mode: 0o640 })).toEqual({ path: file, size: 11 });
    expect(readFileSync(file, 'utf8')).toBe('hello world');
    expect(statSync(file).mode & 0o777).toBe(0o640);
    await client.writeFile(file, 'again');
    expect(statSync(file).mode & 0o777).toBe(0o640); // the mode of the file it replaced
    const { size, stream } = await client.readFile(file);
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    expect([size, Buffer.concat(chunks).toString()]).toEqual([5, 'again']);
    expect(await client.stat(file)).toMatchObject({ path: file, type: 'file', size: 5, mode: 0o640 });
    await client.mkdir(path.join(dir, 'w', 'd1', 'd2'), { parents: true });
    const listing = await client.list(path.join(dir, 'w'));
    expect(listing.entries.map(e => [e.name, e.type])).toEqual([['d1', 'directory'], ['sub', 'directory']]);
    await expect(client.remove(path.join(dir, 'w', 'd1'))).rejects.toMatchObject({ name: 'ConflictError' });
    await client.remove(path.join(dir, 'w', 'd1'), { recursive: true });
    await expect(client.stat(path.join(dir, 'w', 'd1'))).rejects.toMatchObject({ name: 'NotFoundError' });
    await expect(client.readFile(path.join(dir, 'w'))).rejects.toMatchObject({ name: 'InputError' });
    await expect(client.mkdir(path.join(dir, 'w', 'sub'))).rejects.toMatchObject({ name: 'ConflictError' });
  });

  it('downloads and uploads tar archives', async () => {
    const src = path.join(dir, 'tree');
    await client.writeFile(path.join(src, 'x', 'f.txt'), 'in a tar', { parents: true });
    const tar = await client.downloadArchive(src);
    await client.uploadArchive(path.join(dir, 'restored'), tar);
    expect(readFileSync(path.join(dir, 'restored', 'tree', 'x', 'f.txt'), 'utf8')).toBe('in a tar');
    await expect(client.uploadArchive(path.join(dir, 'bad'), Readable.from([Buffer.from('not a tar')]))).rejects.toMatchObject({
      name: 'InputError',
    });
  });

  it('lists listening ports and tunnels to them', async () => {
    const server = http.createServer((req, res) => res.end(`hi ${req.url}`));
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const { items } = await client.ports();
      expect(items.map(i => i.port)).toContain(port);
      const stream = await client.openPortStream(port);
      stream.write(`GET /tunnel HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`);
      const chunks: Buffer[] = [];
      for await (const c of stream) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).toString()).toMatch(/^HTTP\/1\.1 200[\s\S]*hi \/tunnel$/);
    } finally {
      server.close();
    }
    const closed = await new Promise<number>(r => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => r(p));
      });
    });
    await expect(client.openPortStream(closed)).rejects.toMatchObject({ name: 'ServiceUnavailableError' });
  });

  it('is what SandboxService.exec uses when the driver offers an agent endpoint', async () => {
    const h = await createHarness();
    const s = await h.service.create(validRequest, 'user:default/ada');
    await h.service.idle();
    (h.driver as any).agentEndpoint = async () => ({ kind: 'unix', socketPath: path.join(dir, 'agent.sock'), uid });
    (h.driver as any).exec = async () => {
      throw new Error('the driver exec must not be used');
    };
    const result = await h.service.exec(s.id, { command: ['sh', '-c', 'cat; echo " $$"'], stdin: 'via agent', timeoutSeconds: 5, env: {} });
    expect(result.stdout).toMatch(/^via agent \d+\n$/);
    expect(result).not.toHaveProperty('truncated');
    await expect(h.service.exec(s.id, { command: ['x'], cwd: '/no/such/dir', timeoutSeconds: 5, env: {} })).resolves.toMatchObject({
      exitCode: 127,
    });
    await h.knex.destroy();
  });

  it('refuses a socket path replaced by a symlink, a plain file, or owned by someone else', async () => {
    const evil = path.join(dir, 'evil.sock');
    symlinkSync(path.join(dir, 'agent.sock'), evil);
    expect(() => checkSocketPath(evil, uid)).toThrow(/not a socket \(a symlink\)/);
    const bad = new AgentClient({ kind: 'unix', socketPath: evil, uid });
    await expect(bad.health()).rejects.toMatchObject({ name: 'NotAllowedError' });
    bad.close();
    writeFileSync(path.join(dir, 'plain'), '');
    expect(() => checkSocketPath(path.join(dir, 'plain'), uid)).toThrow(/another file type/);
    expect(() => checkSocketPath(path.join(dir, 'agent.sock'), uid + 1)).toThrow(/owned by uid/);
    expect(() => checkSocketPath(path.join(dir, 'none.sock'), uid)).toThrow(/not running/);
    expect(() => checkSocketPath('/no/such/dir/agent.sock', uid)).toThrow(/missing/);
  });

  it('refuses an answer without the agent header (another server behind the socket)', async () => {
    const other = path.join(dir, 'other.sock');
    const server = http.createServer((_req, res) => res.end('{}'));
    await new Promise<void>(r => server.listen(other, r));
    const c = new AgentClient({ kind: 'unix', socketPath: other, uid });
    try {
      await expect(c.health()).rejects.toThrow(/without the agent header/);
    } finally {
      c.close();
      server.close();
    }
  });
});

describe('portal agent over TCP', () => {
  it('requires the token and runs the main process after --, exiting with it', async () => {
    const port = await new Promise<number>(r => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => r(p));
      });
    });
    const { child } = await startAgent(
      ['--listen', `127.0.0.1:${port}`, '--ready-line', 'READY', '--', 'sh', '-c', 'sleep 30'],
      { PORTAL_AGENT_TOKEN: 's3cret' },
    );
    const good = new AgentClient({ kind: 'tcp', host: '127.0.0.1', port, token: 's3cret' });
    const bad = new AgentClient({ kind: 'tcp', host: '127.0.0.1', port, token: 'wrong' });
    try {
      const result = await good.exec({ command: ['sh', '-c', 'echo "[$PORTAL_AGENT_TOKEN]"'] });
      expect(result.stdout).toBe('[]\n');
      await expect(bad.health()).rejects.toMatchObject({ status: 401 });
      await expect(bad.openPortStream(port)).rejects.toMatchObject({ status: 401 });
      const exited = new Promise<number | null>(r => child.on('exit', code => r(code)));
      child.kill('SIGTERM'); // forwarded to the main process, which dies of it
      expect(await exited).toBe(143);
    } finally {
      good.close();
      bad.close();
      child.kill('SIGKILL');
    }
  });

  it('refuses to listen on TCP without a token', async () => {
    await expect(startAgent(['--listen', '127.0.0.1:0', '--ready-line', 'READY'], { PORTAL_AGENT_TOKEN: '' })).rejects.toThrow(
      /needs a token/,
    );
  });
});
