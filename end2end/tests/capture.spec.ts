// The other ways to add a photo: paste, webcam (Chromium's fake camera), HEIC the browser cannot
// open; and Ctrl+Enter for commit.
import { test, expect, Page, APIRequestContext } from '@playwright/test';
import { received } from '../support/sim';
import { openWidget } from '../support/widget';
import { jpegBase64 } from '../support/images';

const open = (page: Page, request: APIRequestContext, nhi: string) => openWidget(page, request, nhi);

const thumbs = (page: Page) => page.getByRole('listbox', { name: 'Photos for this patient' }).getByRole('option');

test('paste adds a photo', async ({ page, request }) => {
  await open(page, request, 'ZZZ0016');
  const b64 = await jpegBase64(page, 640, 480);
  await page.evaluate((data) => {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], 'pasted.jpg', { type: 'image/jpeg' }));
    window.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  }, b64);
  await expect(thumbs(page)).toHaveCount(1, { timeout: 20_000 });
});

test('webcam capture adds a photo', async ({ page, request }) => {
  await open(page, request, 'ZZZ0024');
  await page.getByRole('button', { name: 'Use webcam' }).click();
  const cam = page.getByRole('dialog', { name: 'Webcam' });
  await expect(cam.getByRole('button', { name: 'Take photo' })).toBeEnabled({ timeout: 15_000 });
  await cam.getByRole('button', { name: 'Take photo' }).click();
  await expect(thumbs(page)).toHaveCount(1, { timeout: 20_000 });
  await cam.getByRole('button', { name: 'Close webcam' }).click();
  await expect(cam).toHaveCount(0);
});

test('a HEIC this browser cannot open gets a message saying how to get a JPEG', async ({ page, request }) => {
  await open(page, request, 'ZZZ0032');
  const heic = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic', 'binary'), Buffer.alloc(64)]);
  await page.getByLabel('Choose photo files').setInputFiles([{ name: 'IMG_4242.HEIC', mimeType: 'image/heic', buffer: heic }]);
  const alert = page.getByRole('alert').filter({ hasText: 'IMG_4242.HEIC is an iPhone HEIC photo' });
  await expect(alert).toBeVisible();
  await expect(alert).toContainText('Most Compatible');
  await expect(thumbs(page)).toHaveCount(0);
});

test('Ctrl+Enter opens the commit confirmation; Cancel sends nothing', async ({ page, request }) => {
  await open(page, request, 'ZAA0067');
  await page.getByLabel('Choose photo files').setInputFiles([{ name: 'a.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(await jpegBase64(page, 320, 240), 'base64') }]);
  await expect(thumbs(page)).toHaveCount(1, { timeout: 20_000 });
  await page.getByLabel('Body site').fill('Foot');
  await page.getByLabel('Body site').press('Tab');
  await page.getByRole('group', { name: /Laterality/ }).getByLabel('Left', { exact: true }).check();
  await page.getByRole('group', { name: /Image type/ }).getByLabel('Wound', { exact: true }).check();
  await expect(page.getByRole('button', { name: 'Commit all ready photos (1)' })).toBeEnabled();
  const before = (await received(request)).length;
  await thumbs(page).first().focus();
  await page.keyboard.press('Control+Enter');
  const dialog = page.getByRole('alertdialog', { name: 'Commit photos to Medtech' });
  await expect(dialog).toContainText('Send 1 photo to the record of');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
  expect((await received(request)).length).toBe(before);
});

test('a truncated JPEG is refused with a message naming it, and nothing is staged', async ({ page, request }) => {
  await open(page, request, 'ZZZ0016');
  const whole = Buffer.from(await jpegBase64(page, 1200, 900), 'base64');
  const cut = whole.subarray(0, Math.floor(whole.length / 3));
  await page.getByLabel('Choose photo files').setInputFiles([{ name: 'IMG_cut.jpg', mimeType: 'image/jpeg', buffer: cut }]);
  const alert = page.getByRole('alert').filter({ hasText: 'IMG_cut.jpg appears to be damaged (it is incomplete) and was not added.' });
  await expect(alert).toBeVisible({ timeout: 20_000 });
  await expect(page.getByRole('list', { name: 'Photos being added' }).getByRole('listitem')).toHaveCount(0);
  await expect(thumbs(page)).toHaveCount(0);
  // The whole file is added.
  await page.getByLabel('Choose photo files').setInputFiles([{ name: 'IMG_whole.jpg', mimeType: 'image/jpeg', buffer: whole }]);
  await expect(thumbs(page)).toHaveCount(1, { timeout: 20_000 });
});

test('a transparent PNG is prepared on white, not black', async ({ page, request }) => {
  await open(page, request, 'ZZZ0024');
  const png = await page.evaluate(async () => {
    const c = new OffscreenCanvas(320, 240);
    const ctx = c.getContext('2d')!;
    ctx.fillStyle = '#2060c0';
    ctx.fillRect(160, 0, 160, 240); // right half opaque blue, left half transparent
    const bytes = new Uint8Array(await (await c.convertToBlob({ type: 'image/png' })).arrayBuffer());
    let s = ''; for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  });
  await page.getByLabel('Choose photo files').setInputFiles([{ name: 'clear.png', mimeType: 'image/png', buffer: Buffer.from(png, 'base64') }]);
  await expect(thumbs(page)).toHaveCount(1, { timeout: 20_000 });
  const src = await thumbs(page).first().locator('img').getAttribute('src');
  const [left, right] = await page.evaluate(async (url) => {
    const bitmap = await createImageBitmap(await (await fetch(url!)).blob());
    const c = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = c.getContext('2d')!;
    ctx.drawImage(bitmap, 0, 0);
    const at = (x: number) => Array.from(ctx.getImageData(Math.floor(x * bitmap.width), Math.floor(bitmap.height / 2), 1, 1).data);
    return [at(0.25), at(0.75)];
  }, src);
  expect(Math.min(left[0], left[1], left[2])).toBeGreaterThan(240);
  expect(right[2]).toBeGreaterThan(150);
  expect(right[0]).toBeLessThan(80);
});
