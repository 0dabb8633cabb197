// Debian's Chromium driven by playwright-core (nothing is downloaded). playwright gives every
// launch a fresh, empty user data directory.
import { chromium } from 'playwright-core';
import { existsSync } from 'node:fs';

export async function launchBrowser() {
  const executablePath = process.env.PORTAL_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath}: apt-get install -y chromium (scripts/test.sh does)`);
  }
  return chromium.launch({
    executablePath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Opens the portal and signs in as guest; returns the page on the home page. */
export async function signInAsGuest(browser, baseUrl) {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.goto(baseUrl);
  await page.getByRole('button', { name: 'Enter' }).click();
  await page.getByRole('navigation', { name: 'sidebar nav' }).waitFor({ state: 'attached' });
  return page;
}
