// The callbacks given to page.waitForFunction and $$eval run in the browser: they see the DOM.
/// <reference lib="dom" />
/**
 * The dashboard in a real headless Chromium (Debian's `chromium`, driven by playwright-core; no browser download),
 * served by analytics running in-process against the real Kafka, registry and PostgreSQL. Screenshots go to
 * .logs/screenshots/. Without chromium the file skips, unless REQUIRE_CHROMIUM=1 (CI) makes that a failure.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { EVENT_TYPES } from '@orderflow/contracts';
import { runService } from '@orderflow/service-kit';
import { componentTest, freePort, getJson, waitFor } from '@orderflow/testing';
import { readConfig } from '../src/config';
import type { Summary } from '../src/db/summary';
import { rebuild } from '../src/rebuild/rebuild';
import { analytics } from '../src/service';
import { happyJourney, refundedJourney, type Published } from './journeys';

const executable = (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    return '';
  }
})();
const required = process.env.REQUIRE_CHROMIUM === '1';
if (!executable && !required) {
  console.warn('dashboard.test: chromium not found (apt-get install chromium); skipping the browser test');
}
const suite = executable || required ? describe : describe.skip;

const SHOTS = path.resolve(__dirname, '..', '..', '..', '.logs', 'screenshots');
const TOKEN = 'dashboard-test-token';

suite('the dashboard in headless Chromium', () => {
  const c = componentTest('analytics', async (env) => {
    const port = await freePort();
    return runService(
      analytics(
        readConfig({
          ...env,
          HTTP_PORT: String(port),
          DASHBOARD_SERVICES: `analytics=http://127.0.0.1:${port}`,
          DASHBOARD_INTERVAL_MS: '300',
          ADMIN_TOKEN: TOKEN,
        }),
      ),
    );
  });
  const { tk, prefix } = c;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  const publishAll = async (events: readonly Published[]) => {
    for (const e of events) await tk.publish(e.type as never, e.event as never);
  };
  const settled = () =>
    waitFor(
      async () => {
        const lag = await tk.admin.lag(
          `${prefix}analytics`,
          EVENT_TYPES.map((t) => tk.topic(t)),
        );
        return Object.values(lag).every((n) => n === 0) && ((await getJson(c.port, '/summary')).body as Summary);
      },
      { description: 'analytics caught up' },
    );

  beforeAll(async () => {
    if (!executable) throw new Error('REQUIRE_CHROMIUM=1 but chromium is not installed (apt-get install chromium)');
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: executable,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page: ${e.message}`));
    page.on('requestfailed', (r) => {
      // The event stream is cut when the page goes away; anything else failing is a defect.
      if (!r.url().endsWith('/dashboard/stream')) problems.push(`request failed: ${r.url()}`);
    });
  }, 60000);
  afterAll(async () => {
    await browser?.close();
  });

  it('loads without console errors and shows the same numbers as /summary', async () => {
    const t0 = Date.UTC(2025, 7, 1, 10, 0, 0);
    for (let i = 0; i < 6; i++) await publishAll(happyJourney(t0 + i * 1000).events);
    await publishAll(refundedJourney(t0 + 10_000, 'CARRIER_UNAVAILABLE').events);
    await tk.publishRaw('order.created', 'broken-1', Buffer.from('not avro')); // a dead letter to show
    const api = await settled();

    await page.goto(`http://127.0.0.1:${c.port}/dashboard`);
    await page.waitForFunction(
      (n) => document.querySelector('[data-metric="eventsProcessed"]')?.getAttribute('data-value') === String(n),
      api.eventsProcessed,
    );
    const shown = await page.$$eval('[data-metric]', (nodes) =>
      nodes.map((n) => [n.getAttribute('data-metric'), n.getAttribute('data-value'), n.textContent]),
    );
    expect(shown.length).toBeGreaterThanOrEqual(13);
    for (const [metric, value, text] of shown) {
      const expected = metric!.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], api);
      expect([metric, Number(value), Number(text!.replace(/,/g, ''))]).toEqual([metric, expected, expected]);
    }
    const eur = api.revenue.find((r) => r.currency === 'EUR')!;
    expect(await page.getAttribute('[data-currency="EUR"]', 'data-value')).toBe(String(eur.netMinor));
    // The service itself, ready with no lag; the dead letter on order.created.
    await page.waitForSelector('tr[data-service="analytics"] .pill.ready');
    await page.waitForFunction(
      () => document.querySelector('tr[data-service="analytics"] [data-lag]')?.getAttribute('data-lag') === '0',
    );
    await page.waitForFunction(
      () => document.querySelector('tr[data-topic="order.created"] .num')?.textContent === '1',
      undefined,
      { timeout: 15000 },
    );
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SHOTS, 'dashboard.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('finds the journey of an order that was just placed, with its compensation and its email', async () => {
    const placed = refundedJourney(Date.now() - 5000, 'CARRIER_UNAVAILABLE').notified(
      700,
      'PAYMENT_REFUNDED',
      'payment.refunded',
    );
    await publishAll(placed.events);
    await waitFor(
      async () => (await getJson(c.port, `/orders/${placed.orderId}/timeline`)).body?.events?.length === 8,
      {
        description: 'the order recorded',
      },
    );
    await page.fill('#journey-input', placed.orderId);
    await page.click('#journey-form button');
    await page.waitForFunction(() => document.querySelectorAll('#journey-events li').length === 8);
    expect(await page.textContent('#journey-stage')).toBe('REFUNDED');
    const types = await page.$$eval('#journey-events li', (lis) => lis.map((li) => li.getAttribute('data-event-type')));
    expect(types).toEqual(placed.events.map((e) => e.type)); // stamped in journey order
    expect(await page.$$eval('#journey-events li.compensation', (l) => l.length)).toBe(2);
    expect(await page.textContent('#journey-events li.email')).toContain(placed.order.customer.email);
    const sources = await page.$$eval('#journey-events .ev-src', (s) => [...new Set(s.map((x) => x.textContent))]);
    expect(sources).toEqual(
      expect.arrayContaining([
        'test-upstream',
        'order-validator',
        'inventory',
        'payment',
        'fulfillment',
        'notification',
      ]),
    );
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SHOTS, 'journey.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('redrives dead letters from the page with the admin token only', async () => {
    expect((await getJson(c.port, '/dashboard/dead-letters/redrive', { method: 'POST' })).status).toBe(401);
    await page.fill('#admin-token', TOKEN);
    await page.dispatchEvent('#admin-token', 'change');
    await page.click('tr[data-topic="order.created"] button:not(.ghost)');
    await page.waitForFunction(() => /Redriven 1 of 1/.test(document.querySelector('#toast')?.textContent ?? ''));
    // The record is still poison: analytics dead-letters it again, and the page shows two.
    await page.waitForFunction(
      () => document.querySelector('tr[data-topic="order.created"] .num')?.textContent === '2',
      undefined,
      { timeout: 20000 },
    );
    expect(problems).toEqual([]);
  });

  it('shows a rebuild of the read model: its progress, its switch and its diff', async () => {
    const report = await rebuild(readConfig(c.env), { pollMs: 200 });
    expect(report.diff.empty).toBe(true);
    await page.waitForSelector('#rebuild .progress[data-fraction="1"]');
    await page.waitForFunction(() => document.querySelector('#rebuild .badge')?.textContent === 'switched');
    expect(await page.textContent('#rebuild')).toContain('no difference over');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-after-rebuild.png'), fullPage: true });
    expect(problems).toEqual([]);
  });
});
