import {
  createSandboxRequestSchema,
  execRequestSchema,
  formatZodError,
  listSandboxesQuerySchema,
  repoUrlSchema,
  sandboxNameSchema,
} from './schemas';

describe('createSandboxRequestSchema', () => {
  it('fills defaults for a minimal request', () => {
    expect(createSandboxRequestSchema.parse({ name: 'box', workspace: 'team-a' })).toEqual({
      name: 'box',
      workspace: 'team-a',
      template: 'custom',
      size: 'small',
      env: {},
      network: false,
      ttlSeconds: null,
      idleTimeoutSeconds: null,
      labels: {},
    });
  });

  it.each([
    [{ name: 'box', workspace: 'w', size: 'xl' }, 'size: must be one of small, medium, large'],
    [{ name: 'box', workspace: 'w', ttlSeconds: 0 }, 'ttlSeconds'],
    [{ name: 'box', workspace: 'w', ttlSeconds: 1.5 }, 'ttlSeconds'],
    [{ name: 'box' }, 'workspace'],
    [{ name: '-box', workspace: 'w' }, 'name: must be 1-40 lowercase letters'],
    [{ name: 'box', workspace: 'W' }, 'workspace: must be a lowercase DNS label'],
    [{ name: 'box', workspace: 'w', env: { '1X': 'a' } }, 'env.1X'],
    [{ name: 'box', workspace: 'w', labels: { 'Bad Key': 'a' } }, 'labels.Bad Key'],
    [{ name: 'box', workspace: 'w', repo: { url: 'https://h/x.git', extra: 1 } }, 'repo'],
    [{ name: 'box', workspace: 'w', ownerGroup: 'user:default/x' }, 'ownerGroup'],
    [{ name: 'box', workspace: 'w', surprise: true }, 'surprise'],
  ])('rejects %j naming the field', (input, field) => {
    const result = createSandboxRequestSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(formatZodError(result.error!)).toContain(field);
  });
});

describe('repoUrlSchema', () => {
  it.each([
    'https://github.com/org/repo.git',
    'http://git.local/org/repo',
    'ssh://git@host/org/repo.git',
    'git@github.com:org/repo.git',
    'git://host/repo',
    'file:///srv/git/repo.git',
  ])('accepts %s', url => expect(repoUrlSchema.safeParse(url).success).toBe(true));

  it.each(['ftp://host/repo', 'not a url', 'file://relative', 'https://', ''])('rejects %s', url =>
    expect(repoUrlSchema.safeParse(url).success).toBe(false),
  );
});

describe('other schemas', () => {
  it('coerces list query numbers and rejects unknown keys', () => {
    expect(listSandboxesQuerySchema.parse({ limit: '20', state: 'running' })).toEqual({ limit: 20, state: 'running' });
    expect(listSandboxesQuerySchema.safeParse({ limit: '0' }).success).toBe(false);
    expect(listSandboxesQuerySchema.safeParse({ page: '2' }).success).toBe(false);
  });

  it('requires a command and an absolute cwd for exec', () => {
    expect(execRequestSchema.parse({ command: ['ls'] })).toEqual({ command: ['ls'], env: {}, timeoutSeconds: 60 });
    expect(execRequestSchema.safeParse({ command: [] }).success).toBe(false);
    expect(execRequestSchema.safeParse({ command: ['ls'], cwd: 'rel' }).success).toBe(false);
  });

  it('names the body when the whole value is wrong', () => {
    const result = sandboxNameSchema.safeParse(42);
    expect(formatZodError(result.error!)).toMatch(/^\(body\): /);
  });
});
