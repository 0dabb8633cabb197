import type { Entity } from '@backstage/catalog-model';
import {
  dashboardSelectorFromEntity,
  isDashboardSelectorAvailable,
  isGrafanaDashboardAvailable,
  isGrafanaPanelAvailable,
  isOverviewDashboardAvailable,
  overviewDashboardFromEntity,
  panelUrlsFromEntity,
} from './constants';

const entity = (annotations?: Record<string, string>): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'x', ...(annotations ? { annotations } : {}) },
});

describe('grafana annotations', () => {
  it('reads every annotation and gates on it', () => {
    const e = entity({
      'grafana/dashboard-selector': ' sandbox-portal , team-a ,',
      'grafana/overview-dashboard': 'sandbox-portal-overview',
      'grafana/panel-urls': 'sandbox-portal-overview/12',
    });
    expect(dashboardSelectorFromEntity(e)).toEqual([
      'sandbox-portal',
      'team-a',
    ]);
    expect(overviewDashboardFromEntity(e)).toBe('sandbox-portal-overview');
    expect(panelUrlsFromEntity(e)).toBe('sandbox-portal-overview/12');
    expect(isDashboardSelectorAvailable(e)).toBe(true);
    expect(isOverviewDashboardAvailable(e)).toBe(true);
    expect(isGrafanaDashboardAvailable(e)).toBe(true);
    expect(isGrafanaPanelAvailable(e)).toBe(true);
  });

  it.each([
    ['no annotations', entity()],
    [
      'blank annotations',
      entity({
        'grafana/panel-urls': '  ',
        'grafana/dashboard-selector': ' , ',
        'grafana/overview-dashboard': '',
      }),
    ],
  ])('is false for %s', (_, e) => {
    expect(dashboardSelectorFromEntity(e)).toEqual([]);
    expect(overviewDashboardFromEntity(e)).toBeUndefined();
    expect(isGrafanaDashboardAvailable(e)).toBe(false);
    expect(isGrafanaPanelAvailable(e)).toBe(false);
  });

  it('offers the dashboards card for tags alone', () => {
    expect(
      isGrafanaDashboardAvailable(
        entity({ 'grafana/dashboard-selector': 'a' }),
      ),
    ).toBe(true);
    expect(
      isOverviewDashboardAvailable(
        entity({ 'grafana/dashboard-selector': 'a' }),
      ),
    ).toBe(false);
  });
});
