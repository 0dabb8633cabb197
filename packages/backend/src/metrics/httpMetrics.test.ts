import { pluginIdFromPath } from './httpMetrics';

describe('pluginIdFromPath', () => {
  it.each([
    ['/api/catalog/entities', 'catalog'],
    ['/api/sandbox', 'sandbox'],
    ['/api/scaffolder/v2/tasks', 'scaffolder'],
    ['/metrics', undefined],
    ['/api/', undefined],
    ['/api/UPPER/x', undefined],
  ])('%s -> %s', (path, plugin) => {
    expect(pluginIdFromPath(path)).toBe(plugin);
  });
});
