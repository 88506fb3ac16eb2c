// The photo editor: crop + rotate + arrow on a photo → reload mid-edit keeps the edit → commit
// → the Media the simulator received is exactly the editor's rendering (new size, arrow pixels).
import { test, expect, Page } from '@playwright/test';
import { createHash } from 'node:crypto';
import { received } from '../support/sim';
import { jpegBase64, jpegSize } from '../support/images';
import { openWidget, tagCurrent } from '../support/widget';

const SKIN = [205, 150, 125];
const GREEN = [0x00, 0xe6, 0x76];

/** A plain skin-coloured JPEG of a known size, made in the browser. */
async function plainJpeg(page: Page, width: number, height: number): Promise<Buffer> {
  const b64 = await page.evaluate(async ([w, h, rgb]) => {
    const c = new OffscreenCanvas(w, h);
    const ctx = c.getContext('2d')!;
    ctx.fillStyle = `rgb(${rgb.join(',')})`;
    ctx.fillRect(0, 0, w, h);
    const bytes = new Uint8Array(await (await c.convertToBlob({ type: 'image/jpeg', quality: 0.92 })).arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  }, [width, height, SKIN] as [number, number, number[]]);
  return Buffer.from(b64, 'base64');
}

/** Decodes a JPEG in the page and reads the pixels at `points` ([x, y] in pixels). */
async function pixels(page: Page, jpeg: Buffer, points: [number, number][]): Promise<number[][]> {
  return page.evaluate(async ([b64, pts]) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const bmp = await createImageBitmap(new Blob([bytes], { type: 'image/jpeg' }));
    const c = new OffscreenCanvas(bmp.width, bmp.height);
    const ctx = c.getContext('2d')!;
    ctx.drawImage(bmp, 0, 0);
    return pts.map(([x, y]) => Array.from(ctx.getImageData(x, y, 1, 1).data.slice(0, 3)));
  }, [jpeg.toString('base64'), points] as [string, [number, number][]]);
}

const near = (a: number[], b: number[], tol: number) => a.every((v, i) => Math.abs(v - b[i]) <= tol);

test('crop + rotate + arrow → reload keeps the edit → commit sends exactly the rendered image', async ({ page, request }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.setViewportSize({ width: 1366, height: 768 });
  const before = (await received(request)).length;
  await openWidget(page, request, 'ZZZ0024');
  await page.getByLabel('Choose photo files').setInputFiles([
    { name: 'plain.jpg', mimeType: 'image/jpeg', buffer: await plainJpeg(page, 1200, 900) },
  ]);
  const thumbs = page.getByRole('listbox', { name: 'Photos for this patient' }).getByRole('option');
  await expect(thumbs).toHaveCount(1, { timeout: 20_000 });
  await expect(page.locator('figure.preview figcaption')).toContainText('1200 × 900 px');

  await page.getByRole('button', { name: 'Edit photo' }).click();
  const dialog = page.getByRole('dialog', { name: 'Edit photo' });
  const status = dialog.getByRole('status');
  await expect(status).toContainText('Original photo · 1200 × 900 px · saved');
  // The editor fits a 1366×768 frame: no scrolling needed to reach any of it.
  const box = (await dialog.boundingBox())!;
  expect(box.y + box.height).toBeLessThanOrEqual(768);
  expect(box.x + box.width).toBeLessThanOrEqual(1366);

  // Crop by keyboard: the tool shows a centred 70% crop; Enter applies it.
  await dialog.getByRole('button', { name: 'Crop', exact: true }).click();
  await expect(dialog.getByRole('button', { name: 'Crop', exact: true })).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('Enter');
  await expect(status).toContainText('1 change · 840 × 630 px · saved');
  // Rotate right by keyboard.
  await page.keyboard.press('r');
  await expect(status).toContainText('2 changes · 630 × 840 px · saved');

  // Arrow by pointer, left to right across the middle.
  await dialog.getByRole('button', { name: 'Arrow' }).click();
  const area = dialog.getByRole('img', { name: /Drawing area/ });
  const a = (await area.boundingBox())!;
  expect(a.y + a.height).toBeLessThanOrEqual(768);
  await page.mouse.move(a.x + a.width * 0.2, a.y + a.height * 0.5);
  await page.mouse.down();
  await page.mouse.move(a.x + a.width * 0.5, a.y + a.height * 0.5, { steps: 5 });
  await page.mouse.move(a.x + a.width * 0.8, a.y + a.height * 0.5, { steps: 5 });
  await page.mouse.up();
  await expect(status).toContainText('3 changes · 630 × 840 px · saved');

  // Undo and redo over the operation list (keyboard).
  await page.keyboard.press('Control+z');
  await expect(status).toContainText('2 changes · 630 × 840 px · saved');
  await page.keyboard.press('Control+Shift+Z');
  await expect(status).toContainText('3 changes · 630 × 840 px · saved');

  // Reload mid-edit: the saved operations come back.
  await page.reload();
  await expect(thumbs).toHaveCount(1);
  await expect(page.locator('figure.preview figcaption')).toContainText('630 × 840 px');
  await page.getByRole('button', { name: 'Edit photo' }).click();
  await expect(status).toContainText('3 changes · 630 × 840 px · saved');
  await expect(dialog.getByRole('button', { name: 'Undo' })).toBeEnabled();
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(dialog).toHaveCount(0);

  // What the browser shows is the server's rendering, never cached.
  const src = await thumbs.first().locator('img').getAttribute('src');
  expect(src).toContain('/rendered?e=');
  const shown = await page.request.get(src!);
  expect(shown.ok()).toBeTruthy();
  expect(shown.headers()['cache-control']).toBe('private, no-store');
  const preview = Buffer.from(await shown.body());
  expect(jpegSize(preview)).toEqual({ width: 630, height: 840 });

  await tagCurrent(page, 'Forearm', 'Left', 'Lesion');
  await page.getByRole('button', { name: 'Commit all ready photos (1)' }).click();
  await page.getByRole('alertdialog', { name: 'Commit photos to Medtech' }).getByRole('button', { name: 'Commit' }).click();
  await expect(thumbs.filter({ hasText: 'Saved to Medtech' })).toHaveCount(1, { timeout: 30_000 });

  const media = (await received(request)).slice(before).filter((r) => r.status === 201);
  expect(media).toHaveLength(1);
  const sent = Buffer.from(media[0].resource.content.data, 'base64');
  expect(jpegSize(sent)).toEqual({ width: 630, height: 840 });
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  expect(sha(sent)).toBe(sha(preview));

  // The arrow's shaft runs along the middle row: its pixels are the annotation colour; the
  // rest of the photo is the original skin colour.
  const row = 420;
  const along = [0.25, 0.4, 0.55, 0.7].map((f) => Math.round(630 * f));
  const window: [number, number][] = along.flatMap((x) => [-2, -1, 0, 1, 2].map((d) => [x, row + d] as [number, number]));
  const got = await pixels(page, sent, [...window, [315, 100], [100, 700]]);
  for (let i = 0; i < along.length; i++) {
    const column = got.slice(i * 5, i * 5 + 5);
    expect(column.some((p) => near(p, GREEN, 50)), `x=${along[i]}: ${JSON.stringify(column)}`).toBe(true);
  }
  expect(near(got[got.length - 2], SKIN, 16)).toBe(true);
  expect(near(got[got.length - 1], SKIN, 16)).toBe(true);
  expect(errors).toEqual([]);
});

test('rotate and a typed label; reset to original, redo brings them back; Escape closes after the save', async ({ page, request }) => {
  await page.setViewportSize({ width: 1366, height: 768 });
  await openWidget(page, request, 'ZAC5361');
  await page.getByLabel('Choose photo files').setInputFiles([
    { name: 'plain.jpg', mimeType: 'image/jpeg', buffer: await plainJpeg(page, 800, 600) },
  ]);
  await expect(page.getByRole('listbox', { name: 'Photos for this patient' }).getByRole('option')).toHaveCount(1, {
    timeout: 20_000,
  });
  const behind = page.getByRole('button', { name: 'Add photos', includeHidden: true });
  const inert = () => behind.evaluate((el) => el.closest('[inert]') !== null);
  expect(await inert()).toBe(false);
  await page.getByRole('button', { name: 'Edit photo' }).click();
  const dialog = page.getByRole('dialog', { name: 'Edit photo' });
  const status = dialog.getByRole('status');
  await expect(status).toContainText('Original photo · 800 × 600 px · saved');
  // Modal: the page behind cannot be reached while the editor is open.
  expect(await inert()).toBe(true);
  await dialog.getByRole('button', { name: 'Rotate left' }).click();
  await expect(status).toContainText('1 change · 600 × 800 px · saved');
  // A label by keyboard: the text tool places it at the centre; type and press Enter.
  await dialog.getByRole('button', { name: 'Text' }).click();
  await dialog.getByRole('button', { name: 'Colour Yellow' }).click();
  await dialog.getByLabel('Label text').fill('Lesion A');
  await dialog.getByLabel('Label text').press('Enter');
  await expect(status).toContainText('2 changes · 600 × 800 px · saved');
  await dialog.getByRole('button', { name: 'Reset to original' }).click();
  await expect(status).toContainText('Original photo · 800 × 600 px · saved');
  await dialog.getByRole('button', { name: 'Redo' }).click();
  await dialog.getByRole('button', { name: 'Redo' }).click();
  // Escape at once: the editor closes only when the last change is saved.
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  expect(await inert()).toBe(false);
  await expect(page.locator('figure.preview figcaption')).toContainText('600 × 800 px, edited');
  await page.reload();
  await expect(page.locator('figure.preview figcaption')).toContainText('600 × 800 px, edited');
  await page.getByRole('button', { name: 'Edit photo' }).click();
  await expect(status).toContainText('2 changes · 600 × 800 px · saved');
});

test('a tool chosen while a crop is still rendering starts on the cropped photo', async ({ page, request }) => {
  await page.setViewportSize({ width: 1366, height: 768 });
  await openWidget(page, request, 'ZZZ0032');
  await page.getByLabel('Choose photo files').setInputFiles([
    { name: 'plain.jpg', mimeType: 'image/jpeg', buffer: await plainJpeg(page, 1200, 900) },
  ]);
  const thumbs = page.getByRole('listbox', { name: 'Photos for this patient' }).getByRole('option');
  await expect(thumbs).toHaveCount(1, { timeout: 20_000 });
  await page.getByRole('button', { name: 'Edit photo' }).click();
  const dialog = page.getByRole('dialog', { name: 'Edit photo' });
  const status = dialog.getByRole('status');
  await expect(status).toContainText('Original photo');
  // Hold the cropped rendering back until the ellipse tool has been chosen.
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  await page.route('**/rendered?**', async (route) => {
    await held;
    await route.continue();
  });
  await dialog.getByRole('button', { name: 'Crop', exact: true }).click();
  await page.keyboard.press('Enter');
  await expect(status).toContainText('1 change · 1200 × 900 px');
  // Before the cropped photo is on show: the ellipse's starting shape must follow it once it is.
  await dialog.getByRole('button', { name: 'Ellipse' }).click();
  // Drawing on the old picture is refused with a reason, not silently dropped.
  const a = (await dialog.getByRole('img', { name: /Drawing area/ }).boundingBox())!;
  await page.mouse.move(a.x + a.width * 0.3, a.y + a.height * 0.3);
  await page.mouse.down();
  await page.mouse.move(a.x + a.width * 0.4, a.y + a.height * 0.4, { steps: 3 });
  await page.mouse.up();
  await expect(dialog).toContainText('the photo is still updating');
  await expect(status).toContainText('1 change · 1200 × 900 px');
  release();
  await expect(status).toContainText('1 change · 840 × 630 px · saved');
  await page.keyboard.press('Enter');
  await expect(status).toContainText('2 changes · 840 × 630 px · saved');
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(dialog).toHaveCount(0);
  const src = await thumbs.first().locator('img').getAttribute('src');
  const shown = Buffer.from(await (await page.request.get(src!)).body());
  // The centred ellipse spans 35%–65% of the cropped photo: its left edge crosses the middle row.
  const edge: [number, number][] = [-3, -2, -1, 0, 1, 2, 3].map((d) => [Math.round(840 * 0.35) + d, 315] as [number, number]);
  const got = await pixels(page, shown, [...edge, [420, 450]]);
  expect(got.slice(0, 7).some((p) => near(p, GREEN, 50)), JSON.stringify(got)).toBe(true);
  expect(near(got[7], SKIN, 16), 'inside the ellipse is untouched').toBe(true);
});

test('a crop can be resized by its corner and moved by dragging inside it', async ({ page, request }) => {
  await page.setViewportSize({ width: 1366, height: 768 });
  await openWidget(page, request, 'ZZZ0016');
  await page.getByLabel('Choose photo files').setInputFiles([
    // The test photo has a dark "lesion" centred at (300, 225).
    { name: 'photo.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(await jpegBase64(page, 1200, 900), 'base64') },
  ]);
  await expect(page.getByRole('listbox', { name: 'Photos for this patient' }).getByRole('option')).toHaveCount(1, {
    timeout: 20_000,
  });
  await page.getByRole('button', { name: 'Edit photo' }).click();
  const dialog = page.getByRole('dialog', { name: 'Edit photo' });
  const status = dialog.getByRole('status');
  await expect(status).toContainText('Original photo · 1200 × 900 px · saved');
  await dialog.getByRole('button', { name: 'Crop', exact: true }).click();
  const a = (await dialog.getByRole('img', { name: /Drawing area/ }).boundingBox())!;
  const at = (x: number, y: number) => [a.x + (x / 1200) * a.width, a.y + (y / 900) * a.height] as const;
  const drag = async (from: readonly [number, number], to: readonly [number, number]) => {
    await page.mouse.move(...from);
    await page.mouse.down();
    await page.mouse.move(...to, { steps: 6 });
    await page.mouse.up();
  };
  // The starting crop is the centred 70% (180,135)–(1020,765): pull its bottom-right corner to
  // the photo's corner, then drag from inside to move it to the top-left.
  await drag(at(1020, 765), at(1200, 900));
  await drag(at(600, 450), at(420, 315));
  await page.keyboard.press('Enter');
  await expect(status).toContainText(/1 change · \d+ × \d+ px · saved/);
  // Pointer positions land on screen pixels: the size is right to within a pixel or two. (A
  // drag inside taken as a new rectangle would have made it 180 × 135.)
  const [, w, h] = (await status.textContent())!.match(/(\d+) × (\d+) px/)!.map(Number);
  expect(Math.abs(w - 1020)).toBeLessThanOrEqual(2);
  expect(Math.abs(h - 765)).toBeLessThanOrEqual(2);
  // Moved to the top-left: the lesion is still at (300, 225) in the cropped photo (had the move
  // been lost, it would be at (120, 90)).
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(dialog).toHaveCount(0);
  const src = await page.getByRole('listbox', { name: 'Photos for this patient' }).getByRole('option').first().locator('img').getAttribute('src');
  const shown = Buffer.from(await (await page.request.get(src!)).body());
  const [lesion, elsewhere] = await pixels(page, shown, [[300, 225], [120, 90]]);
  const dark = (p: number[]) => p[0] + p[1] + p[2] < 300;
  expect(dark(lesion), JSON.stringify(lesion)).toBe(true);
  expect(dark(elsewhere), JSON.stringify(elsewhere)).toBe(false);
});
