#!/usr/bin/env node
/*
 * portal-agent: the portal's agent inside a sandbox. Plain Node, no dependencies: the backend's own
 * Node binary and this directory are bind-mounted read-only into the container, so images need no
 * change.
 *
 * Usage:
 *   node portal-agent.js --socket /run/portal/agent.sock [--ready-line TEXT] [-- command args...]
 *   node portal-agent.js --listen 0.0.0.0:7070 [--token-env PORTAL_AGENT_TOKEN] [-- command ...]
 *
 * It serves a small HTTP API (every response carries `x-portal-agent: 1`):
 *   GET    /v1/health
 *   GET    /healthz                  {ok: true}, the only route without a token (readiness probes)
 *   POST   /v1/exec                  {command[], cwd?, env?, timeoutMs?, stdin?, maxOutputBytes?, stream?}
 *   GET    /v1/files?path=           raw content
 *   PUT    /v1/files?path=&mode=     raw content, written atomically (temp file + rename)
 *   DELETE /v1/files?path=&recursive=1
 *   GET    /v1/files/stat?path=      GET /v1/files/list?path=     POST /v1/files/mkdir?path=&parents=1
 *   GET    /v1/archive?path=         tar of the path (the `tar` binary of the image)
 *   PUT    /v1/archive?path=         extracts a tar into the directory `path`
 *   GET    /v1/ports                 listening TCP ports (from /proc/net/tcp{,6})
 *   CONNECT 127.0.0.1:<port>         a raw byte tunnel to a port inside the sandbox
 * On a TCP listener every request needs `Authorization: Bearer <token>`; the token is read from
 * the environment variable named by --token-env (default PORTAL_AGENT_TOKEN) and removed from the
 * environment, so commands the agent runs never see it.
 * After `--`, it runs the sandbox's main process, forwards SIGTERM/SIGINT/SIGHUP to it and exits
 * with its exit code.
 */
'use strict';

const http = require('node:http');
const net = require('node:net');
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const path = require('node:path');
const crypto = require('node:crypto');
const { spawn } = require('node:child_process');

const VERSION = '1';
const DEFAULT_MAX_OUTPUT = 8 * 1024 * 1024;
const MAX_TIMEOUT_MS = 24 * 3600 * 1000;

function parseArgs(argv) {
  const options = { socket: undefined, listen: undefined, tokenEnv: 'PORTAL_AGENT_TOKEN', readyLine: undefined, command: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      options.command = argv.slice(i + 1);
      break;
    }
    const value = argv[i + 1];
    if (arg === '--socket') options.socket = value;
    else if (arg === '--listen') options.listen = value;
    else if (arg === '--token-env') options.tokenEnv = value;
    else if (arg === '--ready-line') options.readyLine = value;
    else throw new Error(`unknown argument ${arg}`);
    i++;
  }
  if (!options.socket === !options.listen) throw new Error('give exactly one of --socket PATH or --listen HOST:PORT');
  return options;
}

class HttpError extends Error {
  constructor(status, name, message) {
    super(message);
    this.status = status;
    this.name = name;
  }
}
const badRequest = m => new HttpError(400, 'InputError', m);

function fsError(error, p) {
  switch (error && error.code) {
    case 'ENOENT':
      return new HttpError(404, 'NotFoundError', `${p}: no such file or directory`);
    case 'EACCES':
    case 'EPERM':
      return new HttpError(403, 'NotAllowedError', `${p}: permission denied`);
    case 'EISDIR':
      return badRequest(`${p}: is a directory`);
    case 'ENOTDIR':
      return badRequest(`${p}: not a directory`);
    case 'EEXIST':
      return new HttpError(409, 'ConflictError', `${p}: already exists`);
    case 'ENOTEMPTY':
      return new HttpError(409, 'ConflictError', `${p}: directory not empty (use recursive)`);
    default:
      return error;
  }
}

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res, error) {
  const status = error instanceof HttpError ? error.status : 500;
  if (res.headersSent) {
    res.destroy(error);
    return;
  }
  send(res, status, { error: { name: error.name || 'Error', message: error.message || String(error) } });
}

async function readJson(req, limit = 4 * 1024 * 1024) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, 'PayloadTooLargeError', 'request body too large');
    chunks.push(chunk);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw badRequest('body is not valid JSON');
  }
}

function requirePath(url) {
  const p = url.searchParams.get('path');
  if (!p) throw badRequest('path: required');
  if (p.includes('\0')) throw badRequest('path: must not contain NUL');
  return path.resolve(process.cwd(), p);
}

function typeOf(stat) {
  if (stat.isFile()) return 'file';
  if (stat.isDirectory()) return 'directory';
  if (stat.isSymbolicLink()) return 'symlink';
  return 'other';
}

function describe(stat) {
  return {
    type: typeOf(stat),
    size: stat.size,
    mode: stat.mode & 0o7777,
    mtime: stat.mtime.toISOString(),
  };
}

// --- exec ---

function childEnv(extra) {
  const env = { ...process.env };
  for (const [k, v] of Object.entries(extra || {})) env[k] = String(v);
  return env;
}

function validateExec(body) {
  if (!Array.isArray(body.command) || body.command.length === 0 || body.command.some(c => typeof c !== 'string')) {
    throw badRequest('command: a non-empty array of strings is required');
  }
  if (body.cwd !== undefined && typeof body.cwd !== 'string') throw badRequest('cwd: must be a string');
  if (body.env !== undefined && (typeof body.env !== 'object' || body.env === null)) throw badRequest('env: must be an object');
  const timeoutMs = body.timeoutMs === undefined ? 300_000 : Number(body.timeoutMs);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_TIMEOUT_MS) {
    throw badRequest(`timeoutMs: must be between 1 and ${MAX_TIMEOUT_MS}`);
  }
  const maxOutputBytes = body.maxOutputBytes === undefined ? DEFAULT_MAX_OUTPUT : Number(body.maxOutputBytes);
  return { timeoutMs, maxOutputBytes };
}

/**
 * Spawns the command in its own process group; a timeout (or `abort()`) kills the whole group.
 * Calls `onData(stream, buffer)` as output arrives; resolves with the exit.
 */
function runCommand(body, limits, onData) {
  const started = Date.now();
  let child;
  try {
    child = spawn(body.command[0], body.command.slice(1), {
      cwd: body.cwd ? path.resolve(process.cwd(), body.cwd) : process.cwd(),
      env: childEnv(body.env),
      stdio: [typeof body.stdin === 'string' ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      detached: true,
    });
  } catch (error) {
    return { abort() {}, done: Promise.resolve({ exitCode: 127, timedOut: false, durationMs: 0, error: error.message }) };
  }
  let timedOut = false;
  const killGroup = () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, limits.timeoutMs);
  if (typeof body.stdin === 'string') {
    child.stdin.on('error', () => undefined);
    child.stdin.end(body.stdin);
  }
  child.stdout.on('data', chunk => onData('stdout', chunk));
  child.stderr.on('data', chunk => onData('stderr', chunk));
  const done = new Promise(resolve => {
    let spawnError;
    let finished = false;
    let exit;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      // a background process it started (`server &`) may hold the pipes open: stop reading them
      child.stdout.destroy();
      child.stderr.destroy();
      const durationMs = Date.now() - started;
      if (spawnError) {
        const exitCode = { ENOENT: 127, EACCES: 126 }[spawnError.code] || 1;
        resolve({ exitCode, timedOut, durationMs, error: `${body.command[0]}: ${spawnError.message}` });
        return;
      }
      const [code, signal] = exit || [null, null];
      const exitCode = code !== null ? code : 128 + (signal ? require('node:os').constants.signals[signal] || 0 : 0);
      resolve({ exitCode, timedOut, durationMs });
    };
    child.on('error', error => {
      spawnError = error;
      finish();
    });
    child.on('exit', (code, signal) => {
      exit = [code, signal];
      // the output still in the pipes arrives before 'close'; wait a little for it
      setTimeout(finish, 200).unref();
    });
    child.on('close', (code, signal) => {
      exit = exit || [code, signal];
      finish();
    });
  });
  return { abort: killGroup, done };
}

async function handleExec(req, res) {
  const body = await readJson(req);
  const limits = validateExec(body);
  if (body.stream) {
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
    const write = obj => res.write(`${JSON.stringify(obj)}\n`);
    const run = runCommand(body, limits, (stream, chunk) => write({ type: stream, data: chunk.toString('utf8') }));
    // the caller went away: nothing reads the output any more
    res.on('close', () => {
      if (!res.writableFinished) run.abort();
    });
    const result = await run.done;
    if (result.error) write({ type: 'stderr', data: `${result.error}\n` });
    write({ type: 'exit', exitCode: result.exitCode, timedOut: result.timedOut, durationMs: result.durationMs });
    res.end();
    return;
  }
  const out = { stdout: [], stderr: [] };
  const size = { stdout: 0, stderr: 0 };
  let truncated = false;
  const run = runCommand(body, limits, (stream, chunk) => {
    const room = limits.maxOutputBytes - size[stream];
    if (room <= 0) {
      truncated = true;
      return;
    }
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (part.length < chunk.length) truncated = true;
    out[stream].push(part);
    size[stream] += part.length;
  });
  req.socket.on('close', () => run.abort());
  const result = await run.done;
  const stderr = Buffer.concat(out.stderr).toString('utf8') + (result.error ? `${result.error}\n` : '');
  send(res, 200, {
    exitCode: result.exitCode,
    stdout: Buffer.concat(out.stdout).toString('utf8'),
    stderr,
    timedOut: result.timedOut,
    durationMs: result.durationMs,
    ...(truncated ? { truncated: true } : {}),
  });
}

// --- files ---

async function handleRead(url, res) {
  const p = requirePath(url);
  let handle;
  try {
    handle = await fsp.open(p, 'r');
    const stat = await handle.stat();
    if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': stat.size });
    const stream = handle.createReadStream();
    handle = undefined;
    stream.pipe(res);
  } catch (error) {
    if (handle) await handle.close();
    throw fsError(error, p);
  }
}

async function handleWrite(url, req, res) {
  const p = requirePath(url);
  const modeParam = url.searchParams.get('mode');
  const mode = modeParam ? parseInt(modeParam, 8) : undefined;
  if (modeParam && !(mode >= 0 && mode <= 0o7777)) throw badRequest('mode: an octal file mode such as 644');
  const dir = path.dirname(p);
  if (url.searchParams.get('parents') === '1') await fsp.mkdir(dir, { recursive: true }).catch(e => Promise.reject(fsError(e, dir)));
  const tmp = path.join(dir, `.${path.basename(p)}.portal-${crypto.randomBytes(6).toString('hex')}.tmp`);
  let existingMode;
  try {
    const st = await fsp.stat(p);
    if (st.isDirectory()) throw badRequest(`${p}: is a directory`);
    existingMode = st.mode & 0o7777;
  } catch (error) {
    if (error instanceof HttpError) throw error;
  }
  let size = 0;
  try {
    const out = fs.createWriteStream(tmp, { flags: 'wx', mode: mode ?? existingMode ?? 0o644 });
    await new Promise((resolve, reject) => {
      out.on('error', reject);
      req.on('error', reject);
      req.on('data', chunk => {
        size += chunk.length;
      });
      req.on('aborted', () => reject(new Error('upload aborted')));
      out.on('finish', resolve);
      req.pipe(out);
    });
    if (mode !== undefined || existingMode !== undefined) await fsp.chmod(tmp, mode ?? existingMode);
    await fsp.rename(tmp, p);
  } catch (error) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw fsError(error, p);
  }
  send(res, 200, { path: p, size });
}

async function handleStat(url, res) {
  const p = requirePath(url);
  try {
    const stat = await fsp.lstat(p);
    const entry = { path: p, ...describe(stat) };
    if (stat.isSymbolicLink()) entry.linkTarget = await fsp.readlink(p);
    send(res, 200, entry);
  } catch (error) {
    throw fsError(error, p);
  }
}

async function handleList(url, res) {
  const p = requirePath(url);
  try {
    const names = (await fsp.readdir(p)).sort();
    const entries = [];
    for (const name of names) {
      try {
        entries.push({ name, ...describe(await fsp.lstat(path.join(p, name))) });
      } catch {
        /* vanished meanwhile */
      }
    }
    send(res, 200, { path: p, entries });
  } catch (error) {
    throw fsError(error, p);
  }
}

async function handleMkdir(url, res) {
  const p = requirePath(url);
  try {
    await fsp.mkdir(p, { recursive: url.searchParams.get('parents') === '1' });
  } catch (error) {
    throw fsError(error, p);
  }
  send(res, 200, { path: p });
}

async function handleRemove(url, res) {
  const p = requirePath(url);
  try {
    const stat = await fsp.lstat(p);
    if (stat.isDirectory()) {
      if (url.searchParams.get('recursive') === '1') await fsp.rm(p, { recursive: true });
      else await fsp.rmdir(p);
    } else {
      await fsp.unlink(p);
    }
  } catch (error) {
    throw fsError(error, p);
  }
  send(res, 200, { path: p, removed: true });
}

function runTar(args, stdio) {
  const child = spawn('tar', args, { stdio, env: childEnv({}) });
  const stderr = [];
  child.stderr.on('data', c => stderr.push(c));
  const done = new Promise(resolve => {
    child.on('error', error => resolve({ code: -1, message: error.code === 'ENOENT' ? 'the image has no tar binary' : error.message }));
    child.on('close', code => resolve({ code, message: Buffer.concat(stderr).toString('utf8').trim() }));
  });
  return { child, done };
}

async function handleArchiveGet(url, res) {
  const p = requirePath(url);
  try {
    await fsp.lstat(p);
  } catch (error) {
    throw fsError(error, p);
  }
  const { child, done } = runTar(['-C', path.dirname(p), '-cf', '-', '--', path.basename(p)], ['ignore', 'pipe', 'pipe']);
  res.writeHead(200, { 'content-type': 'application/x-tar' });
  child.stdout.pipe(res);
  res.on('close', () => {
    if (!res.writableFinished) child.kill('SIGKILL');
  });
  const result = await done;
  if (result.code !== 0) res.destroy(new Error(`tar failed: ${result.message}`));
}

async function handleArchivePut(url, req, res) {
  const p = requirePath(url);
  try {
    await fsp.mkdir(p, { recursive: true });
  } catch (error) {
    throw fsError(error, p);
  }
  const { child, done } = runTar(['-C', p, '-xf', '-', '--no-same-owner', '--no-overwrite-dir'], ['pipe', 'ignore', 'pipe']);
  child.stdin.on('error', () => undefined);
  req.pipe(child.stdin);
  req.on('aborted', () => child.kill('SIGKILL'));
  const result = await done;
  if (result.code !== 0) throw badRequest(`extracting the archive failed: ${result.message}`);
  send(res, 200, { path: p });
}

// --- ports ---

function parseProcNet(text) {
  const result = [];
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 10 || cols[3] !== '0A') continue; // 0A = LISTEN
    const [addr, portHex] = cols[1].split(':');
    result.push({ port: parseInt(portHex, 16), inode: cols[9], loopbackOnly: /^(0100007F|0+1000000)$/.test(addr) });
  }
  return result;
}

async function processName(pid) {
  try {
    const argv0 = (await fsp.readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0')[0];
    if (argv0) return path.basename(argv0);
  } catch {
    /* gone */
  }
  return (await fsp.readFile(`/proc/${pid}/comm`, 'utf8')).trim();
}

async function processesBySocketInode() {
  const byInode = new Map();
  let pids = [];
  try {
    pids = (await fsp.readdir('/proc')).filter(n => /^\d+$/.test(n));
  } catch {
    return byInode;
  }
  for (const pid of pids) {
    let fds;
    try {
      fds = await fsp.readdir(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    let comm;
    for (const fd of fds) {
      try {
        const target = await fsp.readlink(`/proc/${pid}/fd/${fd}`);
        const m = /^socket:\[(\d+)\]$/.exec(target);
        if (!m) continue;
        comm ??= await processName(pid);
        byInode.set(m[1], comm);
      } catch {
        /* gone */
      }
    }
  }
  return byInode;
}

async function handlePorts(res) {
  const listening = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      listening.push(...parseProcNet(await fsp.readFile(file, 'utf8')));
    } catch {
      /* no IPv6 */
    }
  }
  const owners = await processesBySocketInode();
  const byPort = new Map();
  for (const entry of listening) {
    if (!byPort.has(entry.port)) byPort.set(entry.port, { port: entry.port, ...(owners.get(entry.inode) ? { process: owners.get(entry.inode) } : {}) });
  }
  send(res, 200, { items: [...byPort.values()].sort((a, b) => a.port - b.port) });
}

// --- server ---

function authorized(req, tokenHash) {
  if (!tokenHash) return true;
  const header = req.headers.authorization || '';
  const given = header.startsWith('Bearer ') ? header.slice(7) : '';
  const givenHash = crypto.createHash('sha256').update(given).digest();
  return crypto.timingSafeEqual(givenHash, tokenHash);
}

function createAgentServer({ tokenHash } = {}) {
  const server = http.createServer(async (req, res) => {
    res.setHeader('x-portal-agent', VERSION);
    try {
      // unauthenticated liveness for the kubelet's readiness probe (Kubernetes): says nothing else
      if (req.method === 'GET' && req.url === '/healthz') return send(res, 200, { ok: true });
      if (!authorized(req, tokenHash)) throw new HttpError(401, 'AuthenticationError', 'agent token required');
      const url = new URL(req.url, 'http://agent');
      const route = `${req.method} ${url.pathname}`;
      switch (route) {
        case 'GET /v1/health':
          send(res, 200, { ok: true, version: VERSION, pid: process.pid, uid: process.getuid?.() });
          break;
        case 'POST /v1/exec':
          await handleExec(req, res);
          break;
        case 'GET /v1/files':
          await handleRead(url, res);
          break;
        case 'PUT /v1/files':
          await handleWrite(url, req, res);
          break;
        case 'DELETE /v1/files':
          await handleRemove(url, res);
          break;
        case 'GET /v1/files/stat':
          await handleStat(url, res);
          break;
        case 'GET /v1/files/list':
          await handleList(url, res);
          break;
        case 'POST /v1/files/mkdir':
          await handleMkdir(url, res);
          break;
        case 'GET /v1/archive':
          await handleArchiveGet(url, res);
          break;
        case 'PUT /v1/archive':
          await handleArchivePut(url, req, res);
          break;
        case 'GET /v1/ports':
          await handlePorts(res);
          break;
        default:
          throw new HttpError(404, 'NotFoundError', `no agent route ${route}`);
      }
    } catch (error) {
      sendError(res, error);
    }
  });
  server.on('connect', (req, clientSocket, head) => {
    const reject = (status, text) => clientSocket.end(`HTTP/1.1 ${status} ${text}\r\nx-portal-agent: ${VERSION}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    clientSocket.on('error', () => undefined);
    if (!authorized(req, tokenHash)) {
      reject(401, 'Unauthorized');
      return;
    }
    const m = /^(127\.0\.0\.1|localhost|\[::1\]):(\d{1,5})$/.exec(req.url || '');
    const port = m ? Number(m[2]) : 0;
    if (!m || port < 1 || port > 65535) {
      reject(400, 'Bad Request');
      return;
    }
    const upstream = net.connect({ host: m[1] === '[::1]' ? '::1' : '127.0.0.1', port });
    upstream.once('connect', () => {
      clientSocket.write(`HTTP/1.1 200 Connection Established\r\nx-portal-agent: ${VERSION}\r\n\r\n`);
      if (head && head.length) upstream.write(head);
      upstream.pipe(clientSocket);
      clientSocket.pipe(upstream);
    });
    upstream.once('error', error => {
      if (upstream.connecting || !clientSocket.bytesWritten) reject(502, `Bad Gateway (${error.code || error.message})`);
      else clientSocket.destroy();
    });
    clientSocket.on('close', () => upstream.destroy());
    upstream.on('close', () => clientSocket.destroy());
  });
  server.keepAliveTimeout = 60_000;
  return server;
}

function listen(server, options) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    if (options.socket) {
      try {
        fs.unlinkSync(options.socket);
      } catch {
        /* not there */
      }
      server.listen(options.socket, () => {
        fs.chmodSync(options.socket, 0o600);
        resolve();
      });
    } else {
      const idx = options.listen.lastIndexOf(':');
      server.listen(Number(options.listen.slice(idx + 1)), options.listen.slice(0, idx) || '0.0.0.0', resolve);
    }
  });
}

async function main(argv) {
  const options = parseArgs(argv);
  let tokenHash;
  if (options.listen) {
    const token = process.env[options.tokenEnv];
    if (!token) throw new Error(`--listen needs a token in $${options.tokenEnv}`);
    tokenHash = crypto.createHash('sha256').update(token).digest();
  }
  delete process.env[options.tokenEnv];
  const server = createAgentServer({ tokenHash });
  await listen(server, options);
  let child;
  if (options.command.length) {
    child = spawn(options.command[0], options.command.slice(1), { stdio: 'inherit', env: childEnv({}) });
    child.on('error', error => {
      process.stderr.write(`portal-agent: cannot run ${options.command[0]}: ${error.message}\n`);
      process.exit(127);
    });
    child.on('exit', (code, signal) => {
      if (options.socket) fs.rmSync(options.socket, { force: true });
      process.exit(code ?? 128 + (signal ? require('node:os').constants.signals[signal] || 0 : 0));
    });
    for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  } else {
    for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
      process.on(sig, () => {
        server.close();
        if (options.socket) fs.rmSync(options.socket, { force: true });
        process.exit(0);
      });
    }
  }
  if (options.readyLine) {
    process.stdout.write(`${options.readyLine}\n`);
    // the same line in a file next to the socket: the host sees readiness without asking the engine
    if (options.socket) fs.writeFileSync(path.join(path.dirname(options.socket), 'ready'), `${options.readyLine}\n`);
  }
}

module.exports = { createAgentServer, parseArgs, parseProcNet };

if (require.main === module) {
  main(process.argv.slice(2)).catch(error => {
    process.stderr.write(`portal-agent: ${error.message}\n`);
    process.exit(2);
  });
}
