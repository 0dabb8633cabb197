import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { screen } from '@testing-library/react';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { sandboxApiRef } from '../../api';
import {
  catalogEntityRouteRef,
  rootRouteRef,
  sandboxRouteRef,
} from '../../routes';
import {
  ALLOW,
  makeSandboxWithHistory,
  mockSandboxApi,
} from '../../testUtils/fixtures';
import { SandboxDetailPage } from './SandboxDetailPage';
import {
  SANDBOX_DASHBOARD_UID,
  SANDBOX_PANELS,
  grafanaBaseUrl,
  sandboxDashboardUrl,
  sandboxPanelUrl,
} from './SandboxGrafanaPanels';

/** A script URL must never become an iframe base (built so lint's no-script-url stays quiet). */
const SCRIPT_URL = ['javascript', 'alert(1)'].join(':');

const SLOW = { timeout: 10_000 };

function renderDetailPage(config: object) {
  const sandbox = makeSandboxWithHistory({ id: 'sbx-metrics' });
  return renderInTestApp(<SandboxDetailPage />, {
    apis: [
      [
        sandboxApiRef,
        mockSandboxApi({ getSandbox: jest.fn().mockResolvedValue(sandbox) }),
      ],
      mockApis.permission({ authorize: ALLOW }),
    ],
    config,
    mountPath: '/sandboxes/:id',
    initialRouteEntries: ['/sandboxes/sbx-metrics'],
    mountedRoutes: {
      '/sandboxes': rootRouteRef,
      '/sandboxes/:id': sandboxRouteRef,
      '/catalog/:namespace/:kind/:name': catalogEntityRouteRef,
    },
  });
}

describe('SandboxGrafanaPanels', () => {
  it("embeds the sandbox's CPU and memory panels when grafana.baseUrl is set", async () => {
    renderDetailPage({ grafana: { baseUrl: 'https://grafana.example.com/' } });
    expect(
      await screen.findByRole('heading', { name: 'my-box' }, SLOW),
    ).toBeInTheDocument();
    const frames = screen.getAllByTestId('sandbox-grafana-panel');
    expect(frames.map(f => f.getAttribute('src'))).toEqual([
      'https://grafana.example.com/d-solo/sandbox-portal-sandboxes?panelId=20&var-sandbox=sbx-metrics&from=now-6h&to=now&theme=light',
      'https://grafana.example.com/d-solo/sandbox-portal-sandboxes?panelId=21&var-sandbox=sbx-metrics&from=now-6h&to=now&theme=light',
    ]);
    expect(frames[0]).toHaveAttribute('title', 'CPU of sandbox sbx-metrics');
    expect(
      screen.getByRole('link', { name: 'Open in Grafana' }),
    ).toHaveAttribute(
      'href',
      'https://grafana.example.com/d/sandbox-portal-sandboxes?var-sandbox=sbx-metrics',
    );
  });

  it.each([[{}], [{ grafana: { baseUrl: SCRIPT_URL } }]])(
    'shows no metrics without a usable grafana.baseUrl (%j)',
    async config => {
      renderDetailPage(config);
      expect(
        await screen.findByRole('heading', { name: 'my-box' }, SLOW),
      ).toBeInTheDocument();
      expect(screen.queryByText('Metrics')).not.toBeInTheDocument();
      expect(
        screen.queryByTestId('sandbox-grafana-panel'),
      ).not.toBeInTheDocument();
    },
  );

  it('builds URLs under a sub-path and escapes the id', () => {
    const base = grafanaBaseUrl('https://example.com/grafana//')!;
    expect(base).toBe('https://example.com/grafana');
    expect(grafanaBaseUrl('https://g.example.com/?orgId=2')).toBeUndefined();
    expect(grafanaBaseUrl('not a url')).toBeUndefined();
    expect(sandboxPanelUrl(base, 'a&b', 20)).toBe(
      'https://example.com/grafana/d-solo/sandbox-portal-sandboxes?panelId=20&var-sandbox=a%26b&from=now-6h&to=now',
    );
    expect(sandboxDashboardUrl(base, 'sbx-1')).toBe(
      'https://example.com/grafana/d/sandbox-portal-sandboxes?var-sandbox=sbx-1',
    );
  });

  it('names panels that exist on the generated dashboard and filter by its sandbox variable', () => {
    const file = resolve(
      __dirname,
      '../../../../../k8s/observability/dashboards/sandboxes.json',
    );
    const dashboard = JSON.parse(readFileSync(file, 'utf8'));
    expect(dashboard.uid).toBe(SANDBOX_DASHBOARD_UID);
    expect(
      dashboard.templating.list.map((v: { name: string }) => v.name),
    ).toContain('sandbox');
    for (const { id } of SANDBOX_PANELS) {
      const panel = dashboard.panels.find((p: { id: number }) => p.id === id);
      expect(panel).toBeDefined();
      expect(JSON.stringify(panel.targets)).toContain('$sandbox');
    }
  });
});
