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
