import { ConfigReader } from '@backstage/config';
import { DEFAULT_TEMPLATES, readBootstrapWorkspaces, readTemplates } from './readTemplates';

describe('readTemplates', () => {
  it('adds and overrides templates from config and wires the Ollama endpoint', () => {
    const templates = readTemplates(
      new ConfigReader({
        sandbox: {
          ollama: { baseUrl: 'http://ollama:11434' },
          templates: { rust: { image: 'my/rust:1', env: { RUSTUP: '1' }, network: true }, python: { image: 'my/python:2' } },
        },
      }),
    );
    expect(templates.rust).toEqual({ image: 'my/rust:1', env: { RUSTUP: '1' }, network: true });
    expect(templates.python).toEqual({ image: 'my/python:2' });
    expect(templates.ollama).toEqual({ ...DEFAULT_TEMPLATES.ollama, env: { OLLAMA_HOST: 'http://ollama:11434' } });
    expect(readTemplates(new ConfigReader({}))).toEqual(DEFAULT_TEMPLATES);
  });

  it('reads idlePauseMinutes, keeps the built-in image when only that is set, and rejects bad values', () => {
    const templates = readTemplates(
      new ConfigReader({ sandbox: { templates: { python: { idlePauseMinutes: 15 }, agent: { image: 'a:1', idlePauseMinutes: 0.5 } } } }),
    );
    expect(templates.python).toEqual({ image: 'portal-sandbox/python:latest', idlePauseSeconds: 900 });
    expect(templates.agent).toEqual({ image: 'a:1', idlePauseSeconds: 30 });
    expect(() => readTemplates(new ConfigReader({ sandbox: { templates: { x: { idlePauseMinutes: 5 } } } }))).toThrow(
      'sandbox.templates.x.image is required',
    );
    expect(() => readTemplates(new ConfigReader({ sandbox: { templates: { python: { idlePauseMinutes: -1 } } } }))).toThrow(
      'idlePauseMinutes must be a positive number',
    );
  });

  it('reads workspaces to bootstrap', () => {
    expect(
      readBootstrapWorkspaces(
        new ConfigReader({
          sandbox: { workspaces: [{ name: 'default', title: 'Default', plan: 'team', backingGroup: 'group:default/guests', members: [{ ref: 'user:default/guest', role: 'admin' }] }, { name: 'x' }] },
        }),
      ),
    ).toEqual([
      { name: 'default', title: 'Default', plan: 'team', backingGroup: 'group:default/guests', backingGroupRole: 'member', members: [{ ref: 'user:default/guest', role: 'admin' }] },
      { name: 'x', plan: 'free', backingGroupRole: 'member', members: [] },
    ]);
  });
});
