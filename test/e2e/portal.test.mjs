// Foundation smoke test: the built portal starts, serves our catalog, metrics and clean errors,
// and a real browser signs in as guest, sees our components and the templates.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, signInAsGuest } from './lib/browser.mjs';
import { eventually, startPortal } from './lib/portal.mjs';

const OUR_COMPONENTS = ['app', 'backend', 'sandbox-backend', 'sandbox', 'sandbox-common', 'scaffolder-backend-module-sandbox'];

describe('portal foundation', () => {
  let portal;
  let token;
  let browser;

  before(async () => {
    portal = await startPortal({ extraConfig: { sandbox: { driver: 'memory' } } });
    console.log(`portal ready in ${portal.readyMs} ms on ${portal.baseUrl}`);
    token = await portal.guestToken();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await portal?.stop();
  });

  it('lists our components through the catalog API for a guest', async () => {
    const names = await eventually('our components in the catalog', async () => {
      const res = await fetch(`${portal.baseUrl}/api/catalog/entities?filter=kind=component`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      assert.equal(res.status, 200);
      const list = (await res.json()).map(e => e.metadata.name);
      return OUR_COMPONENTS.every(c => list.includes(c)) && list;
    });
    assert.ok(names.includes('sandbox-portal-docs'));
    const anonymous = await fetch(`${portal.baseUrl}/api/catalog/entities?filter=kind=component`);
    assert.equal(anonymous.status, 401);
  });

  it('serves Prometheus metrics with the request duration histogram', async () => {
    await fetch(`${portal.baseUrl}/api/catalog/entities?limit=1`, { headers: { Authorization: `Bearer ${token}` } });
    const res = await fetch(`${portal.baseUrl}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /text\/plain/);
    const text = await res.text();
    assert.match(text, /# TYPE http_request_duration_seconds histogram/);
    assert.match(text, /http_request_duration_seconds_count\{plugin="catalog",method="GET",status_code="200"\} \d+/);
    assert.match(text, /process_resident_memory_bytes \d+/);
    const rss = Number(/process_resident_memory_bytes (\d+)/.exec(text)[1]);
    console.log(`backend RSS after start: ${(rss / 1024 / 1024).toFixed(0)} MiB`);
  });

  it('answers unknown routes and malformed requests with JSON 4xx errors, never stack traces', async () => {
    const unknown = await fetch(`${portal.baseUrl}/api/no-such-plugin/x`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(unknown.status, 404);
    const body = await unknown.json();
    assert.equal(body.error.name, 'NotFoundError');
    assert.equal(body.error.stack, undefined);

    const broken = await fetch(`${portal.baseUrl}/api/sandbox/sandboxes`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: '{"name": ',
    });
    assert.equal(broken.status, 400);
    const brokenBody = await broken.json();
    assert.ok(brokenBody.error.message);
    assert.equal(brokenBody.error.stack, undefined);

    const invalid = await fetch(`${portal.baseUrl}/api/sandbox/sandboxes`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'x', workspace: 'default', size: 'gigantic' }),
    });
    assert.equal(invalid.status, 400);
    assert.match((await invalid.json()).error.message, /size: must be one of small, medium, large/);
  });

  it('signs in as guest in Chromium, lists our components and shows the templates', async () => {
    const page = await signInAsGuest(browser, portal.baseUrl);
    await page.goto(`${portal.baseUrl}/catalog?filters[kind]=component&filters[user]=all`);
    for (const name of ['sandbox-backend', 'scaffolder-backend-module-sandbox']) {
      await page.getByRole('link', { name, exact: true }).first().waitFor({ timeout: 30_000 });
    }
    await page.goto(`${portal.baseUrl}/create`);
    await page.getByText('Hello sandbox (smoke test)').first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: `${portal.dataDir}/create-page.png` });
    console.log(`screenshot: ${portal.dataDir}/create-page.png`);
  });

  it('shows the Billing page from the sidebar with its tabs, and the allocation with a CSV download', async () => {
    const page = await signInAsGuest(browser, portal.baseUrl);
    await page.getByRole('navigation', { name: 'sidebar nav' }).getByRole('link', { name: 'Billing' }).first().click();
    await page.waitForURL(/\/billing/, { timeout: 30_000 });
    await page.getByRole('heading', { name: 'Billing' }).first().waitFor({ timeout: 30_000 });
    for (const name of ['Overview', 'Usage over time', 'Invoices', 'Allocation']) {
      await page.getByRole('tab', { name }).waitFor({ timeout: 30_000 });
    }
    await page.getByRole('tab', { name: 'Allocation' }).click();
    await page.getByRole('button', { name: 'Download CSV' }).waitFor({ timeout: 30_000 });
    assert.match(page.url(), /tab=allocation/);
    await page.screenshot({ path: `${portal.dataDir}/billing-page.png` });
    console.log(`screenshot: ${portal.dataDir}/billing-page.png`);
  });
});
