import { Config } from '@backstage/config';
import type { WorkspaceRole } from '@internal/plugin-sandbox-common';
import { TemplateImage } from './types';

/** Built-in template -> image mapping; `sandbox.templates` in app-config overrides or adds. */
export const DEFAULT_TEMPLATES: Record<string, TemplateImage> = {
  base: { image: 'portal-sandbox/base:latest' },
  python: { image: 'portal-sandbox/python:latest' },
  node: { image: 'portal-sandbox/node:latest' },
  ollama: { image: 'portal-sandbox/python:latest', network: true },
  default: { image: 'portal-sandbox/base:latest' },
};

export function readTemplates(config: Config): Record<string, TemplateImage> {
  const templates: Record<string, TemplateImage> = { ...DEFAULT_TEMPLATES };
  const section = config.getOptionalConfig('sandbox.templates');
  for (const key of section?.keys() ?? []) {
    const t = section!.getConfig(key);
    const envConfig = t.getOptionalConfig('env');
    const env: Record<string, string> = {};
    for (const k of envConfig?.keys() ?? []) env[k] = envConfig!.getString(k);
    const image = t.getOptionalString('image') ?? templates[key]?.image;
    if (!image) {
      throw new Error(`sandbox.templates.${key}.image is required for a template that is not built in`);
    }
    const idlePauseMinutes = t.getOptionalNumber('idlePauseMinutes');
    if (idlePauseMinutes !== undefined && !(idlePauseMinutes > 0)) {
      throw new Error(`sandbox.templates.${key}.idlePauseMinutes must be a positive number of minutes`);
    }
    templates[key] = {
      ...templates[key],
      image,
      ...(envConfig ? { env } : {}),
      ...(t.has('network') ? { network: t.getBoolean('network') } : {}),
      ...(idlePauseMinutes !== undefined ? { idlePauseSeconds: Math.round(idlePauseMinutes * 60) } : {}),
    };
  }
  const ollama = config.getOptionalString('sandbox.ollama.baseUrl');
  if (ollama && templates.ollama) {
    templates.ollama = {
      ...templates.ollama,
      env: { OLLAMA_HOST: ollama, ...(templates.ollama.env ?? {}) },
    };
  }
  return templates;
}

/** Workspaces to create at start-up if missing (`sandbox.workspaces`), e.g. the local `default`. */
export function readBootstrapWorkspaces(config: Config) {
  return (config.getOptionalConfigArray('sandbox.workspaces') ?? []).map(ws => ({
    name: ws.getString('name'),
    ...(ws.has('title') ? { title: ws.getString('title') } : {}),
    plan: (ws.getOptionalString('plan') ?? 'free') as 'free' | 'team' | 'enterprise',
    ...(ws.has('backingGroup') ? { backingGroup: ws.getString('backingGroup') } : {}),
    backingGroupRole: (ws.getOptionalString('backingGroupRole') ?? 'member') as WorkspaceRole,
    members: (ws.getOptionalConfigArray('members') ?? []).map(m => ({
      ref: m.getString('ref'),
      role: m.getString('role') as WorkspaceRole,
    })),
  }));
}
