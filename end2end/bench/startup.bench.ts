// How fast the widget opens and commits, on the release build (numbers, never assertions on time):
// - launch URL → first usable control (the consent choice, enabled once the app is interactive),
//   a fresh browser profile each run (nothing cached), median of 5 after a warm-up, unthrottled,
//   with Chromium's CPU throttled 4× (a modest practice PC), and 4× CPU on a 10 Mbit/s, 40 ms line;
// - launch → 5 photos committed through the UI with the simulator at 150 ms a round trip;
// - the sizes of what the browser downloads (raw, gzip, brotli).
import { test, expect, request as api } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { launchFor } from '../support/sim';
import { jpegBase64 } from '../support/images';
import { repoRoot } from '../support/server';
import { addFiles, recordConsent, tagCurrent, commitAll, thumbs } from '../support/widget';

const RUNS = 5;
// The bench server whose simulator answers at 150 ms a round trip (playwright.bench.config.ts).
const SLOW_URL = 'http://127.0.0.1:3201';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const KiB = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

const SETTINGS = [
  { name: 'unthrottled', cpu: 1, net: null },
  { name: 'CPU 4x', cpu: 4, net: null },
  { name: 'CPU 4x + 10 Mbit/s, 40 ms', cpu: 4, net: { latency: 40, downloadThroughput: (10e6 / 8), uploadThroughput: (10e6 / 8) } },
];

test('launch → first usable control', async ({ browser, request }) => {
  const lines: string[] = [];
  for (const s of SETTINGS) {
    const times: number[] = [];
    for (let i = 0; i <= RUNS; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      // The moment the consent choice becomes enabled, on the page's own clock (from the start
      // of the navigation to the launch URL, its redirect included).
      await page.addInitScript(() => {
        const seen = () => {
          const el = document.querySelector('input[name="consent-kind"]') as HTMLInputElement | null;
          if (el && !el.disabled && !(window as any).__usable) (window as any).__usable = performance.now();
        };
        new MutationObserver(seen).observe(document, { subtree: true, childList: true, attributes: true });
      });
      const cdp = await context.newCDPSession(page);
      if (s.cpu > 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate: s.cpu });
      if (s.net) {
        await cdp.send('Network.enable');
        await cdp.send('Network.emulateNetworkConditions', { offline: false, ...s.net });
      }
      const l = await launchFor(request, 'ZZZ0016');
      await page.goto(l.url);
      await expect(page.getByRole('group', { name: 'How did the patient consent?' }).getByLabel('Verbal consent')).toBeEnabled({ timeout: 60_000 });
      const t = await page.evaluate(() => (window as any).__usable as number);
      if (i > 0) times.push(t); // the first run warms the server, not the browser
      await context.close();
    }
    lines.push(`  ${s.name.padEnd(28)} median ${median(times).toFixed(0).padStart(5)} ms  (runs: ${times.map((t) => t.toFixed(0)).join(', ')})`);
  }
  console.log(`launch → first usable control, release build, fresh profile each run:\n${lines.join('\n')}`);
});

test('launch → 5 photos committed, simulator at 150 ms', async ({ browser }) => {
  const slow = await api.newContext({ baseURL: SLOW_URL });
  const maker = await browser.newPage();
  const files = await Promise.all(
    [0, 1, 2, 3, 4].map(async (i) => ({ name: `b${i}.jpg`, buffer: Buffer.from(await jpegBase64(maker, 1600 + i * 16, 1200), 'base64') })),
  );
  await maker.close();
  const times: number[] = [];
  const phases: Record<string, number[]> = {};
  const phase = (name: string, since: number) => (phases[name] ??= []).push(Date.now() - since);
  for (let i = 0; i <= RUNS; i++) {
    const context = await browser.newContext({ baseURL: SLOW_URL });
    const page = await context.newPage();
    const l = await launchFor(slow, 'ZZZ0024');
    const start = Date.now();
    let t = start;
    await page.goto(l.url);
    await recordConsent(page);
    if (i > 0) phase('open + consent', t);
    t = Date.now();
    await addFiles(page, files);
    await expect(thumbs(page)).toHaveCount(5, { timeout: 60_000 });
    if (i > 0) phase('add 5 (prepare + upload)', t);
    t = Date.now();
    await thumbs(page).nth(0).click();
    await tagCurrent(page, 'Forearm', 'Left', 'Lesion');
    await page.getByRole('button', { name: 'Apply these tags to all photos' }).click();
    await expect(thumbs(page).filter({ hasText: 'Ready' })).toHaveCount(5);
    if (i > 0) phase('tag all', t);
    t = Date.now();
    const dialog = await commitAll(page, 5);
    await dialog.getByRole('button', { name: 'Commit' }).click();
    await expect(thumbs(page).filter({ hasText: 'Saved to Medtech' })).toHaveCount(5, { timeout: 60_000 });
    if (i > 0) phase('commit 5', t);
    if (i > 0) times.push(Date.now() - start);
    await context.close();
  }
  console.log(`launch → 5 photos committed (consent, add, tag all, commit), ALEX at 150 ms, release build:\n` +
    `  median ${median(times)} ms  (runs: ${times.join(', ')})\n` +
    Object.entries(phases).map(([k, v]) => `    ${k.padEnd(26)} median ${median(v)} ms`).join('\n'));
  await slow.dispose();
});

test('what the browser downloads', async ({ page, request }) => {
  // The first load is what a launch fetches, up to the tagging screen with a photo (network log);
  // the whole app adds the chunks fetched only when a part is opened (the editor, the webcam).
  const fetched = new Set<string>();
  page.on('request', (r) => {
    const p = new URL(r.url()).pathname;
    if (p.startsWith('/pkg/')) fetched.add(path.basename(p));
  });
  const l = await launchFor(request, 'ZZZ0016');
  await page.goto(l.url);
  await recordConsent(page);
  await addFiles(page, [{ name: 'a.jpg', buffer: Buffer.from(await jpegBase64(page, 640, 480), 'base64') }]);
  await expect(thumbs(page)).toHaveCount(1, { timeout: 20_000 });
  await page.waitForLoadState('networkidle');
  const pkg = path.join(repoRoot, 'target', 'site', 'pkg');
  const rows: string[] = [];
  let total = [0, 0, 0];
  let first = [0, 0, 0];
  for (const name of fs.readdirSync(pkg).filter((n) => /\.(wasm|js|css)$/.test(n)).sort()) {
    const raw = fs.readFileSync(path.join(pkg, name));
    const gz = fs.existsSync(path.join(pkg, `${name}.gz`)) ? fs.statSync(path.join(pkg, `${name}.gz`)).size : zlib.gzipSync(raw, { level: 9 }).length;
    const br = fs.existsSync(path.join(pkg, `${name}.br`))
      ? fs.statSync(path.join(pkg, `${name}.br`)).size
      : zlib.brotliCompressSync(raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
    total = [total[0] + raw.length, total[1] + gz, total[2] + br];
    const atFirst = fetched.has(name);
    if (atFirst) first = [first[0] + raw.length, first[1] + gz, first[2] + br];
    rows.push(`  ${name.padEnd(44)} raw ${KiB(raw.length).padStart(11)}  gzip ${KiB(gz).padStart(10)}  brotli ${KiB(br).padStart(10)}  ${atFirst ? 'first load' : 'when opened'}`);
  }
  const line = (label: string, t: number[]) => `  ${label.padEnd(44)} raw ${KiB(t[0]).padStart(11)}  gzip ${KiB(t[1]).padStart(10)}  brotli ${KiB(t[2]).padStart(10)}`;
  console.log(`/pkg (release site):\n${rows.join('\n')}\n${line('first load (fetched by a launch)', first)}\n${line('whole app', total)}`);
});
