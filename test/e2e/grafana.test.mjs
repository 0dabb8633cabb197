// The Grafana plugin in the BUILT portal, in Chromium: an entity annotated for Grafana
// (test/fixtures/observability/grafana-entity.yaml, an extra catalog location) shows the embedded
// panel with a d-solo URL built from `grafana.baseUrl`, and its dashboard links; an entity without
// the annotations shows none; the sandbox detail page embeds the sandbox's panels
// (var-sandbox=<id>). No Grafana server is needed: the test checks what the portal asks for.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launchBrowser, signInAsGuest } from './lib/browser.mjs';
import { eventually, repoRoot, startPortal } from './lib/portal.mjs';

// Never resolved: the browser's requests to it fail, which does not matter here.
const GRAFANA = 'https://grafana.e2e.invalid';

describe('Grafana panels in the portal', () => {
  let portal;
  let token;
  let browser;
  let page;

  before(async () => {
    portal = await startPortal({
      extraConfig: {
        sandbox: { driver: 'memory' },
        grafana: { baseUrl: `${GRAFANA}/` },
        catalog: {
          // app-config.yaml's locations (relative to packages/backend), plus the fixture
          locations: [
            { type: 'file', target: '../../catalog/all.yaml' },
            { type: 'file', target: '../../templates/all.yaml' },
            {
              type: 'file',
              target: join(
                repoRoot,
                'test/fixtures/observability/grafana-entity.yaml',
              ),
            },
          ],
        },
      },
    });
    token = await portal.guestToken();
    await eventually(
      'the Grafana fixture entity in the catalog',
      async () =>
        (
          await fetch(
            `${portal.baseUrl}/api/catalog/entities/by-name/component/default/grafana-e2e-fixture`,
            {
              headers: { Authorization: `Bearer ${token}` },
            },
          )
        ).ok,
      { timeoutMs: 60_000 },
    );
    browser = await launchBrowser();
    page = await signInAsGuest(browser, portal.baseUrl);
  });

  after(async () => {
    await browser?.close();
    await portal?.stop();
  });

  it('embeds the annotated panel and links the dashboards on the entity page', async () => {
    await page.goto(
      `${portal.baseUrl}/catalog/default/component/grafana-e2e-fixture`,
    );
    const frame = page.locator('iframe[data-testid="grafana-panel"]');
    const notConfigured = page.getByText('Grafana is not configured');
    await frame
      .or(notConfigured)
      .first()
      .waitFor({ state: 'attached', timeout: 30_000 });
    // The frontend only receives config keys a schema declares with `@visibility frontend`.
    assert.equal(
      await notConfigured.count(),
      0,
      'grafana.baseUrl did not reach the frontend: plugins/grafana/package.json needs "configSchema": "config.d.ts"',
    );
    assert.equal(await frame.count(), 1);
    assert.equal(
      await frame.getAttribute('src'),
      `${GRAFANA}/d-solo/sandbox-portal-overview?panelId=12&var-instance=All&from=now-6h&to=now&theme=light`,
    );
    assert.equal(
      await frame.getAttribute('title'),
      'Grafana panel 12 of dashboard sandbox-portal-overview',
    );

    const overview = page.getByRole('link', { name: 'Overview dashboard' });
    assert.equal(
      await overview.getAttribute('href'),
      `${GRAFANA}/d/sandbox-portal-overview`,
    );
    const tagged = page.getByRole('link', {
      name: 'Dashboards tagged sandbox-portal',
    });
    assert.equal(
      await tagged.getAttribute('href'),
      `${GRAFANA}/dashboards?tag=sandbox-portal`,
    );
    await page.screenshot({
      path: `${portal.dataDir}/grafana-entity-page.png`,
    });
    console.log(`screenshot: ${portal.dataDir}/grafana-entity-page.png`);
  });

  it('shows no Grafana card on an entity without Grafana annotations', async () => {
    await page.goto(
      `${portal.baseUrl}/catalog/default/component/sandbox-backend`,
    );
    await page
      .getByText('sandbox-backend')
      .first()
      .waitFor({ timeout: 30_000 });
    // the page has rendered its cards once the "About" card is there
    await page.getByText('About').first().waitFor({ timeout: 30_000 });
    assert.equal(
      await page.locator('iframe[data-testid="grafana-panel"]').count(),
      0,
    );
    assert.equal(await page.getByText('Grafana dashboards').count(), 0);
  });

  it("embeds a sandbox's CPU and memory panels on its detail page", async () => {
    const res = await fetch(`${portal.baseUrl}/api/sandbox/sandboxes`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({
        name: `graf-${Date.now().toString(36)}`,
        workspace: 'default',
        template: 'python',
      }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    const sandbox = await res.json();

    await page.goto(`${portal.baseUrl}/sandboxes/${sandbox.id}`);
    await page
      .getByRole('heading', { name: sandbox.name })
      .waitFor({ timeout: 30_000 });
    const frames = page.locator('iframe[data-testid="sandbox-grafana-panel"]');
    await frames.first().waitFor({ state: 'attached', timeout: 5_000 });
    const srcs = await frames.evaluateAll(list =>
      list.map(f => f.getAttribute('src')),
    );
    const id = encodeURIComponent(sandbox.id);
    assert.deepEqual(srcs, [
      `${GRAFANA}/d-solo/sandbox-portal-sandboxes?panelId=20&var-sandbox=${id}&from=now-6h&to=now&theme=light`,
      `${GRAFANA}/d-solo/sandbox-portal-sandboxes?panelId=21&var-sandbox=${id}&from=now-6h&to=now&theme=light`,
    ]);
  });
});
