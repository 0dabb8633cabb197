import { commandToArgv, globToRegExp, imageAllowed } from './images';

describe('image globs', () => {
  it('matches * across / and : and ? for one character, everything else literally', () => {
    expect(imageAllowed('ghcr.io/openhands/agent-server:1.0-python', ['ghcr.io/openhands/agent-server:*'])).toBe(true);
    expect(imageAllowed('ghcr.io/openhands/agent-server-evil:1', ['ghcr.io/openhands/agent-server:*'])).toBe(false);
    expect(imageAllowed('portal-sandbox/base:latest', ['docker.io/*', 'portal-sandbox/*'])).toBe(true);
    expect(imageAllowed('anything', [])).toBe(false);
    expect(globToRegExp('a.b?').test('a.bc')).toBe(true);
    expect(globToRegExp('a.b?').test('axbc')).toBe(false);
  });
});

describe('commandToArgv', () => {
  it('takes lists as they are and splits strings like a shell (quotes, escapes, no expansion)', () => {
    expect(commandToArgv(['/bin/x', '--port', '60000'])).toEqual(['/bin/x', '--port', '60000']);
    expect(commandToArgv('/usr/local/bin/openhands-agent-server --port 60000')).toEqual(['/usr/local/bin/openhands-agent-server', '--port', '60000']);
    expect(commandToArgv(`sh -c 'echo "$HOME" && x'  "a \\"b\\" c" d\\ e ''`)).toEqual(['sh', '-c', 'echo "$HOME" && x', 'a "b" c', 'd e', '']);
    expect(commandToArgv(null)).toBeUndefined();
    expect(commandToArgv(undefined)).toBeUndefined();
    expect(commandToArgv([])).toBeUndefined();
    expect(commandToArgv('   ')).toBeUndefined();
    expect(() => commandToArgv('"open')).toThrow('unterminated " quote');
  });
});
