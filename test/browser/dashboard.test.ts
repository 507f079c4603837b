/**
 * The dashboard in a real browser (system Chromium via playwright-core): sign in with the admin token,
 * see a dead letter whose payload and message carry markup — rendered as text, never executed — click
 * Replay and watch it leave the list. Skips with a plain message when /usr/bin/chromium is absent.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReviewItems } from '../../src/flows/orders/review-items.js';
import { ADMIN_TOKEN, type AdminHarness, startAdmin, XSS } from '../admin/admin-harness.js';

const CHROMIUM = process.env.HEARTBRIDGE_CHROMIUM ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `dashboard browser test skipped: no Chromium at ${CHROMIUM} (install it with \`apt-get install -y chromium\`)`,
  );
}
const SCREENSHOT = resolve(import.meta.dirname, '../../scratch/dashboard.png');

describe.skipIf(!hasChromium)('dashboard in a browser', { timeout: 60_000 }, () => {
  let h: AdminHarness;
  let browser: Browser;
  let url = '';

  beforeAll(async () => {
    h = await startAdmin();
    url = await h.server.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('signs in, shows a hostile dead letter as text, replays it and it disappears', async () => {
    const hostile = await h.deadLetter({
      task: 'orders.sync',
      entityKey: 'bc:order:4242',
      message: `Heartland refused the customer name ${XSS}`,
      fix: `rename the customer ${XSS}`,
      payload: { orderId: 4242, billing: { first_name: XSS } },
    });
    const other = await h.deadLetter({ task: 'inventory.sync', kind: 'quarantine', code: 'HB_ERR_MAP_SKU' });

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const response = await page.goto(`${url}/dashboard`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");

    // Not signed in: the login form, no data.
    await page.waitForSelector('#login:not([hidden])');
    expect(await page.locator('#app').isHidden()).toBe(true);

    // A wrong token is refused in words.
    await page.fill('#token', 'not-the-token');
    await page.click('#login button[type=submit]');
    await expect.poll(() => page.textContent('#login-error')).toContain('admin token');

    await page.fill('#token', ADMIN_TOKEN);
    await page.click('#login button[type=submit]');
    const row = page.locator(`tr.dl[data-id="${hostile}"]`);
    await row.waitFor();
    expect(await page.evaluate("sessionStorage.getItem('heartbridge.adminToken')")).toBe(ADMIN_TOKEN);

    // The hostile strings are there, verbatim, as text; nothing they carry became an element or ran.
    expect(await row.locator('td.reason').textContent()).toContain(XSS);
    expect(await row.locator('td.fix').textContent()).toBe(`rename the customer ${XSS}`);
    await row.locator('details summary').click();
    expect(await row.locator('pre.payload').textContent()).toContain(JSON.stringify(XSS).slice(1, -1));
    expect(await page.locator('#dead-letters img, #dead-letters script').count()).toBe(0);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(dialogs).toEqual([]);

    await expect.poll(() => page.textContent('#job-states')).toContain('pending');
    mkdirSync(resolve(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    await row.locator('button.replay').click();
    await row.waitFor({ state: 'detached' });
    await expect
      .poll(() => page.textContent('#action-message'))
      .toMatch(new RegExp(`Replayed #${hostile} as job`));
    expect(await page.locator(`tr.dl[data-id="${other}"]`).count()).toBe(1);
    // The replay is in the audit list on the page, by the API actor.
    await expect.poll(() => page.textContent('#audit')).toContain(`dead_letter:${hostile}`);

    const after = await h.engine.dlq.get(hostile);
    expect(after?.status).toBe('replayed');
    const audit = await h.engine.audit.list({ target: `dead_letter:${hostile}` });
    expect(audit).toEqual([expect.objectContaining({ actor: 'api', action: 'dlq.replay' })]);
    await page.close();
  });

  it('an order held by the risk screen offers Approve / Reject, not customer choices; Approve resolves it', async () => {
    const reviews = createReviewItems(h.engine.store.db);
    const held = await reviews.open({
      connectionId: 'default',
      kind: 'order.risk',
      entityKey: 'bc:order:777',
      reason: `risk score 70 (hold at 50): billed in US but shipped to NG ${XSS}`,
      candidates: { score: 70, holdAtScore: 50, signals: [], total: '620.00' },
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${url}/dashboard`);
    await page.fill('#token', ADMIN_TOKEN);
    await page.click('#login button[type=submit]');
    const row = page.locator(`#review tr[data-id="${held.id}"]`);
    await row.waitFor();
    expect(await row.locator('button').allTextContents()).toEqual(['Approve', 'Reject']);
    expect(await row.textContent()).toContain(XSS);
    await row.locator('button', { hasText: 'Approve' }).click();
    await expect
      .poll(() => page.textContent('#action-message'))
      .toContain('approved; the order goes to Heartland');
    expect((await reviews.get(held.id))?.resolution).toEqual({ approve: true });
    await page.close();
  });
});
