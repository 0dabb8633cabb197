import grafanaPlugin from './index';

describe('grafanaPlugin', () => {
  it('has the Grafana entity cards', () => {
    expect(grafanaPlugin.pluginId).toBe('grafana');
    expect(
      grafanaPlugin.getExtension('entity-card:grafana/panels'),
    ).toBeDefined();
    expect(
      grafanaPlugin.getExtension('entity-card:grafana/dashboards'),
    ).toBeDefined();
  });
});
