import { canTransition, SANDBOX_STATES, SANDBOX_TRANSITIONS } from './types';
import { jetbrainsGatewayLink, sandboxEntityName, sandboxEntityRef, vscodeRemoteLink } from './links';
import { sandboxPermissions } from './permissions';

describe('sandbox state machine', () => {
  it('defines transitions for every state and none out of deleted', () => {
    expect(Object.keys(SANDBOX_TRANSITIONS).sort()).toEqual([...SANDBOX_STATES].sort());
    expect(SANDBOX_TRANSITIONS.deleted).toEqual([]);
  });

  it.each([
    ['pending', 'provisioning', true],
    ['provisioning', 'running', true],
    ['running', 'stopping', true],
    ['stopped', 'provisioning', true],
    ['running', 'provisioning', false],
    ['deleted', 'running', false],
    ['stopped', 'running', false],
    ['running', 'pausing', true],
    ['pausing', 'paused', true],
    ['paused', 'resuming', true],
    ['resuming', 'running', true],
    ['paused', 'stopping', true],
    ['paused', 'running', false],
    ['stopped', 'pausing', false],
  ] as const)('%s -> %s is %s', (from, to, allowed) => {
    expect(canTransition(from, to)).toBe(allowed);
  });
});

describe('links', () => {
  const options = { sshHost: 'box.team.sandbox.localhost', sshUser: 'sandbox', path: '/workspace' };

  it('builds a VS Code Remote-SSH deep link', () => {
    expect(vscodeRemoteLink(options)).toBe(
      'vscode://vscode-remote/ssh-remote+sandbox%40box.team.sandbox.localhost/workspace',
    );
  });

  it('builds a JetBrains Gateway deep link', () => {
    const link = jetbrainsGatewayLink(options);
    expect(link.startsWith('jetbrains-gateway://connect#')).toBe(true);
    const params = new URLSearchParams(link.split('#')[1]);
    expect(Object.fromEntries(params)).toEqual({
      type: 'ssh',
      deploy: 'false',
      host: 'box.team.sandbox.localhost',
      port: '22',
      user: 'sandbox',
      projectPath: '/workspace',
    });
  });

  it('names the catalog Resource in the workspace namespace', () => {
    expect(sandboxEntityName('box')).toBe('sandbox-box');
    expect(sandboxEntityRef('team-a', 'box')).toBe('resource:team-a/sandbox-box');
  });

  it('exports every sandbox permission once', () => {
    expect(sandboxPermissions.map(p => p.name)).toEqual([
      'sandbox.create',
      'sandbox.read',
      'sandbox.update',
      'sandbox.delete',
      'sandbox.exec',
    ]);
  });
});
