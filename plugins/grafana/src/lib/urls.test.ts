import {
  grafanaDashboardSearchUrl,
  grafanaDashboardUrl,
  grafanaPanelUrl,
  grafanaPanelViewUrl,
  normalizeBaseUrl,
  parsePanelRef,
  parsePanelRefs,
} from './urls';

/** A script URL must never become an iframe base (built so lint's no-script-url stays quiet). */
const SCRIPT_URL = ['javascript', 'alert(1)'].join(':');

const BASE = 'https://grafana.example.com';

describe('normalizeBaseUrl', () => {
  it.each([
    ['https://grafana.example.com/', 'https://grafana.example.com'],
    ['https://example.com/grafana//', 'https://example.com/grafana'],
    ['http://localhost:3001', 'http://localhost:3001'],
  ])('%s -> %s', (input, expected) => {
    expect(normalizeBaseUrl(input)).toBe(expected);
  });

  it.each([
    undefined,
    '',
    'grafana.example.com',
    SCRIPT_URL,
    'ftp://x',
    'https://g.example.com/?orgId=1',
    '::',
  ])('refuses %p', input => {
    expect(normalizeBaseUrl(input)).toBeUndefined();
  });
});

describe('parsePanelRefs', () => {
  it('reads short references and d-solo URLs under the base URL', () => {
    const { panels, invalid } = parsePanelRefs(
      `sandbox-portal-sandboxes/20?var-sandbox=sbx-1&from=now-1h,
       ${BASE}/d-solo/sandbox-portal-overview/portal-overview?orgId=1&panelId=12&var-instance=All`,
      BASE,
    );
    expect(invalid).toEqual([]);
    expect(panels).toEqual([
      {
        dashboardUid: 'sandbox-portal-sandboxes',
        panelId: 20,
        params: [
          ['var-sandbox', 'sbx-1'],
          ['from', 'now-1h'],
        ],
      },
      {
        dashboardUid: 'sandbox-portal-overview',
        panelId: 12,
        params: [
          ['orgId', '1'],
          ['var-instance', 'All'],
        ],
      },
    ]);
  });

  it('refuses other hosts, lookalike hosts, bad uids and bad panel ids', () => {
    const { panels, invalid } = parsePanelRefs(
      [
        'https://evil.example.org/d-solo/x?panelId=1',
        `${BASE}.evil.org/d-solo/x?panelId=1`,
        `${BASE}/d/x?panelId=1`,
        `${BASE}/d-solo/x`,
        `${BASE}/d-solo/bad$uid?panelId=1`,
        'uid-only',
        'a/b',
        `${SCRIPT_URL}/1`,
      ].join(' '),
      BASE,
    );
    expect(panels).toEqual([]);
    expect(invalid).toHaveLength(8);
    expect(parsePanelRef('../../etc/1', BASE)).toBeUndefined();
  });

  it('is empty for no annotation', () => {
    expect(parsePanelRefs(undefined, BASE)).toEqual({
      panels: [],
      invalid: [],
    });
  });
});

describe('Grafana URLs', () => {
  const panel = {
    dashboardUid: 'sandbox-portal-sandboxes',
    panelId: 20,
    params: [['var-sandbox', 'sbx-1']] as Array<[string, string]>,
  };

  it('builds d-solo URLs with default time range and theme, the annotation winning', () => {
    expect(grafanaPanelUrl(BASE, panel, { theme: 'light' })).toBe(
      `${BASE}/d-solo/sandbox-portal-sandboxes?panelId=20&var-sandbox=sbx-1&from=now-6h&to=now&theme=light`,
    );
    expect(
      grafanaPanelUrl(
        BASE,
        {
          ...panel,
          params: [
            ['from', 'now-1h'],
            ['theme', 'dark'],
          ],
        },
        { theme: 'light' },
      ),
    ).toBe(
      `${BASE}/d-solo/sandbox-portal-sandboxes?panelId=20&from=now-1h&theme=dark&to=now`,
    );
    expect(grafanaPanelUrl(`${BASE}/sub`, panel)).toBe(
      `${BASE}/sub/d-solo/sandbox-portal-sandboxes?panelId=20&var-sandbox=sbx-1&from=now-6h&to=now`,
    );
  });

  it('links panels and dashboards into Grafana', () => {
    expect(grafanaPanelViewUrl(BASE, panel)).toBe(
      `${BASE}/d/sandbox-portal-sandboxes?viewPanel=20&var-sandbox=sbx-1`,
    );
    expect(grafanaDashboardUrl(BASE, 'sandbox-portal-overview')).toBe(
      `${BASE}/d/sandbox-portal-overview`,
    );
    expect(
      grafanaDashboardUrl(
        BASE,
        'sandbox-portal-sandboxes?var-workspace=team a',
      ),
    ).toBe(`${BASE}/d/sandbox-portal-sandboxes?var-workspace=team+a`);
    expect(
      grafanaDashboardUrl(BASE, 'https://evil.example.org/d/x'),
    ).toBeUndefined();
    expect(grafanaDashboardSearchUrl(BASE, ['sandbox-portal', 'team a'])).toBe(
      `${BASE}/dashboards?tag=sandbox-portal&tag=team+a`,
    );
  });
});
