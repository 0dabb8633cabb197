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
