// Issue 12.4: the hydrated widget page tells the server that its WebAssembly runs (counted per
// launch with the browser engine, for operators); a page whose script never runs says nothing.
import { test, expect } from '@playwright/test';
import { launchFor } from '../support/sim';
import { recordConsent } from '../support/widget';

const isBeacon = (url: string) => new URL(url).pathname === '/api/launch/wasm';

test('the hydrated widget page says once that its WebAssembly runs', async ({ page, request }) => {
  const beacons: string[] = [];
  page.on('request', (r) => { if (isBeacon(r.url())) beacons.push(r.method()); });
  const answered = page.waitForResponse((r) => isBeacon(r.url()));
  const l = await launchFor(request, 'ZZZ0016');
  await page.goto(l.url);
  const res = await answered;
  expect(res.status()).toBe(200);
  expect(res.request().headers()['sec-fetch-site'] ?? 'same-origin').toBe('same-origin');
  await recordConsent(page);
  expect(beacons).toEqual(['POST']);
});

test('a page whose script cannot run sends no beacon', async ({ browser, baseURL, request }) => {
  const context = await browser.newContext({ javaScriptEnabled: false, baseURL });
  const page = await context.newPage();
  const beacons: string[] = [];
  page.on('request', (r) => { if (isBeacon(r.url())) beacons.push(r.url()); });
  const l = await launchFor(request, 'ZZZ0016');
  const res = await page.goto(l.url, { waitUntil: 'load' });
  expect(res?.status()).toBe(200);
  await expect(page.getByRole('group', { name: 'How did the patient consent?' })).toBeVisible();
  expect(beacons).toEqual([]);
  await context.close();
});
