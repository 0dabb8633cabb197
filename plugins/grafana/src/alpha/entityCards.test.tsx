import { screen, waitFor, within } from '@testing-library/react';
import { renderTestApp } from '@backstage/frontend-test-utils';
import { createTestEntityPage } from '@backstage/plugin-catalog-react/testUtils';
import type { Entity } from '@backstage/catalog-model';
import {
  grafanaDashboardsEntityCard,
  grafanaPanelsEntityCard,
} from './entityCards';

const GRAFANA = 'https://grafana.example.com';
// The cards are lazy-loaded: the first render of a cold run (coverage, no cache) can take seconds.
const SLOW = { timeout: 10_000 };
jest.setTimeout(30_000);

function component(annotations: Record<string, string> = {}): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'backend', annotations },
    spec: {
      type: 'service',
      owner: 'group:default/platform-team',
      lifecycle: 'production',
    },
  };
}

function render(
  entity: Entity,
  grafana: object | null = { baseUrl: `${GRAFANA}/` },
) {
  renderTestApp({
    extensions: [
      createTestEntityPage({ entity }),
      grafanaPanelsEntityCard,
      grafanaDashboardsEntityCard,
    ],
    config: grafana ? { grafana } : {},
  });
}

describe('grafanaPanelsEntityCard', () => {
  it('embeds the annotated panels with URLs built from grafana.baseUrl', async () => {
    render(
      component({
        'grafana/panel-urls': `sandbox-portal-overview/12?var-instance=All, ${GRAFANA}/d-solo/sandbox-portal-sandboxes/x?panelId=20&var-sandbox=sbx-1`,
      }),
    );
    const frames = await screen.findAllByTestId(
      'grafana-panel',
      undefined,
      SLOW,
    );
    expect(frames.map(f => f.getAttribute('src'))).toEqual([
      `${GRAFANA}/d-solo/sandbox-portal-overview?panelId=12&var-instance=All&from=now-6h&to=now&theme=light`,
      `${GRAFANA}/d-solo/sandbox-portal-sandboxes?panelId=20&var-sandbox=sbx-1&from=now-6h&to=now&theme=light`,
    ]);
    expect(frames[0]).toHaveAttribute(
      'title',
      'Grafana panel 12 of dashboard sandbox-portal-overview',
    );
    expect(frames[0].getAttribute('sandbox')).not.toContain(
      'allow-top-navigation',
    );
    expect(
      screen.getAllByRole('link', { name: 'Open in Grafana' })[0],
    ).toHaveAttribute(
      'href',
      `${GRAFANA}/d/sandbox-portal-overview?viewPanel=12&var-instance=All`,
    );
  });

  it('ignores panels on other hosts and says so', async () => {
    render(
      component({
        'grafana/panel-urls':
          'ok-uid/1 https://evil.example.org/d-solo/x?panelId=1',
      }),
    );
    expect(
      await screen.findByText(
        'Some panels of grafana/panel-urls were ignored',
        undefined,
        SLOW,
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/https:\/\/evil\.example\.org/),
    ).toBeInTheDocument();
    expect(screen.getAllByTestId('grafana-panel')).toHaveLength(1);
  });

  it('asks for grafana.baseUrl when it is missing', async () => {
    render(component({ 'grafana/panel-urls': 'ok-uid/1' }), null);
    expect(
      await screen.findByText('Grafana is not configured', undefined, SLOW),
    ).toBeInTheDocument();
    expect(screen.queryByTestId('grafana-panel')).not.toBeInTheDocument();
  });

  it('is absent for an entity without Grafana annotations', async () => {
    render(component({ 'backstage.io/techdocs-ref': 'dir:.' }));
    expect(
      await screen.findByTestId('empty-entity-page', undefined, SLOW),
    ).toBeInTheDocument();
    await waitFor(() =>
      expect(screen.queryByText('Grafana')).not.toBeInTheDocument(),
    );
    expect(screen.queryByText('Grafana dashboards')).not.toBeInTheDocument();
    expect(screen.queryByTestId('grafana-panel')).not.toBeInTheDocument();
  });
});

describe('grafanaDashboardsEntityCard', () => {
  it('links the overview dashboard and the tagged dashboards', async () => {
    render(
      component({
        'grafana/overview-dashboard':
          'sandbox-portal-overview?var-instance=All',
        'grafana/dashboard-selector': 'sandbox-portal, team-a',
      }),
    );
    expect(
      await screen.findByRole('link', { name: 'Overview dashboard' }, SLOW),
    ).toHaveAttribute(
      'href',
      `${GRAFANA}/d/sandbox-portal-overview?var-instance=All`,
    );
    expect(
      screen.getByRole('link', {
        name: 'Dashboards tagged sandbox-portal, team-a',
      }),
    ).toHaveAttribute(
      'href',
      `${GRAFANA}/dashboards?tag=sandbox-portal&tag=team-a`,
    );
    // no panel annotation: no panel card
    expect(screen.queryByText('Grafana')).not.toBeInTheDocument();
  });

  it('flags a malformed overview dashboard', async () => {
    render(component({ 'grafana/overview-dashboard': 'not a uid' }));
    const warning = await screen.findByText(
      'grafana/overview-dashboard is not a dashboard uid',
      undefined,
      SLOW,
    );
    const card = warning.closest('.bui-Card') as HTMLElement;
    expect(within(card).queryByRole('link')).not.toBeInTheDocument();
  });

  it('asks for grafana.baseUrl when it is missing', async () => {
    render(component({ 'grafana/dashboard-selector': 'x' }), {
      baseUrl: 'not a url',
    });
    expect(
      await screen.findByText('Grafana is not configured', undefined, SLOW),
    ).toBeInTheDocument();
  });
});
