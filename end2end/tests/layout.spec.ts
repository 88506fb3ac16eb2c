// Issue 12.5: the widget fits 1366×768, top level and inside a 1366×768 frame (Medtech
// Evolution's pane). With a photo selected, every tag control, "Apply to all" and the commit
// button are on screen without scrolling, and no two of them overlap.
import { test, expect, FrameLocator, Locator, Page } from '@playwright/test';
import { launchFor } from '../support/sim';
import { embed } from '../support/frame';
import { jpegBase64 } from '../support/images';
import { recordConsent } from '../support/widget';

const W = 1366;
const H = 768;
type Box = { x: number; y: number; width: number; height: number };

/** Adds two photos, selects the first, and checks the controls' boxes (page coordinates; the
 *  frame, when there is one, sits at the page's top left). */
async function checkFits(root: Page | FrameLocator, jpeg: Buffer) {
  await recordConsent(root);
  await root.getByLabel('Choose photo files').setInputFiles([
    { name: 'a.jpg', mimeType: 'image/jpeg', buffer: jpeg },
    { name: 'b.jpg', mimeType: 'image/jpeg', buffer: jpeg },
  ]);
  const thumbs = root.getByRole('listbox', { name: 'Photos for this patient' }).getByRole('option');
  await expect(thumbs).toHaveCount(2, { timeout: 20_000 });
  await thumbs.first().click();
  await expect(thumbs.first()).toHaveAttribute('aria-selected', 'true');

  const tags = root.getByRole('form', { name: 'Tags for this photo' });
  const controls: [string, Locator][] = [['Body site', tags.getByLabel('Body site')]];
  for (const group of ['Laterality', 'View', 'Image type']) {
    const chips = tags.getByRole('group', { name: new RegExp(`^${group}`) }).locator('label.chip');
    const n = await chips.count();
    expect(n, `${group} chips`).toBeGreaterThan(0);
    for (let i = 0; i < n; i++) controls.push([`${group}: ${await chips.nth(i).innerText()}`, chips.nth(i)]);
  }
  controls.push(['Description', tags.getByLabel('Description (optional)')]);
  controls.push(['Apply to all', tags.getByRole('button', { name: 'Apply these tags to all photos' })]);
  controls.push(['Apply to selected', tags.getByRole('button', { name: /^Apply to selected/ })]);
  controls.push(['Commit', root.getByRole('button', { name: /^Commit all ready photos/ })]);

  const boxes: [string, Box][] = [];
  for (const [name, locator] of controls) {
    await expect(locator, name).toBeVisible();
    const box = await locator.boundingBox();
    expect(box, name).not.toBeNull();
    expect(box!.x, `${name} left edge`).toBeGreaterThanOrEqual(0);
    expect(box!.y, `${name} top edge`).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width, `${name} right edge`).toBeLessThanOrEqual(W);
    expect(box!.y + box!.height, `${name} bottom edge`).toBeLessThanOrEqual(H);
    boxes.push([name, box!]);
  }
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, p] = boxes[i];
      const [b, q] = boxes[j];
      const overlapX = Math.min(p.x + p.width, q.x + q.width) - Math.max(p.x, q.x);
      const overlapY = Math.min(p.y + p.height, q.y + q.height) - Math.max(p.y, q.y);
      expect(overlapX > 0.5 && overlapY > 0.5, `${a} overlaps ${b}`).toBe(false);
    }
  }
}

test('with a photo selected, the tags, Apply to all and Commit fit 1366×768 at top level', async ({ page, request }) => {
  await page.setViewportSize({ width: W, height: H });
  await page.goto('/healthz');
  const jpeg = Buffer.from(await jpegBase64(page, 1600, 1200), 'base64');
  const l = await launchFor(request, 'ZZZ0016');
  await page.goto(l.url);
  await checkFits(page, jpeg);
  // Nothing was scrolled to get there.
  expect(await page.evaluate(() => [window.scrollX, window.scrollY])).toEqual([0, 0]);
});

test('with a photo selected, the tags, Apply to all and Commit fit a 1366×768 frame', async ({ page, request }) => {
  await page.setViewportSize({ width: W + 40, height: H + 40 });
  await page.goto('/healthz');
  const jpeg = Buffer.from(await jpegBase64(page, 1600, 1200), 'base64');
  const l = await launchFor(request, 'ZZZ0016');
  const frame = await embed(page, l.url, W, H);
  await checkFits(frame, jpeg);
  const inner = page.frames().find((f) => f !== page.mainFrame())!;
  expect(await inner.evaluate(() => [window.scrollX, window.scrollY])).toEqual([0, 0]);
});
