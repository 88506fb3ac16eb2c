// Code splitting: the editor, the webcam and the phone link are chunks of their own (src/ui/lazy.rs), fetched
// only when the GP first opens them, once; a chunk that cannot be fetched says so and "Try
// again" fetches it afresh.
import { test, expect, Page } from '@playwright/test';
import { jpegBase64 } from '../support/images';
import { addFiles, openWidget } from '../support/widget';

const EDITOR = /\/pkg\/split_editor(\.[0-9a-f]{16})?\.wasm$/;
const WEBCAM = /\/pkg\/split_webcam(\.[0-9a-f]{16})?\.wasm$/;
const PHONE = /\/pkg\/split_phone(\.[0-9a-f]{16})?\.wasm$/;

function wasmRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.endsWith('.wasm')) seen.push(path);
  });
  return seen;
}

async function onePhoto(page: Page) {
  await addFiles(page, [{ name: 'a.jpg', buffer: Buffer.from(await jpegBase64(page, 640, 480), 'base64') }]);
  await expect(page.getByRole('listbox', { name: 'Photos for this patient' }).getByRole('option')).toHaveCount(1, {
    timeout: 20_000,
  });
}

test('the editor, the webcam and the phone link are fetched only when first opened, and only once', async ({ page, request }) => {
  const seen = wasmRequests(page);
  await openWidget(page, request, 'ZZZ0016');
  await onePhoto(page);
  // The first load: the app's main module only.
  expect(seen.filter((p) => EDITOR.test(p) || WEBCAM.test(p) || PHONE.test(p))).toEqual([]);
  expect(seen.filter((p) => /\/pkg\/clinical_images(\.[0-9a-f]{16})?\.wasm$/.test(p))).toHaveLength(1);

  await page.getByRole('button', { name: 'Edit photo' }).click();
  const dialog = page.getByRole('dialog', { name: 'Edit photo' });
  await expect(dialog.getByRole('status')).toContainText('Original photo');
  expect(seen.filter((p) => EDITOR.test(p))).toHaveLength(1);
  expect(seen.filter((p) => WEBCAM.test(p))).toEqual([]);
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(dialog).toHaveCount(0);
  // Opened again: the chunk is already there.
  await page.getByRole('button', { name: 'Edit photo' }).click();
  await expect(dialog.getByRole('status')).toContainText('Original photo');
  await dialog.getByRole('button', { name: 'Done' }).click();
  expect(seen.filter((p) => EDITOR.test(p))).toHaveLength(1);

  await page.getByRole('button', { name: 'Use webcam' }).click();
  await expect(page.getByRole('dialog', { name: 'Webcam' })).toBeVisible();
  expect(seen.filter((p) => WEBCAM.test(p))).toHaveLength(1);

  expect(seen.filter((p) => PHONE.test(p))).toEqual([]);
  await page.getByRole('button', { name: 'Use my phone' }).click();
  await expect(page.getByRole('region', { name: 'Phone capture' }).getByLabel('Phone code')).toBeVisible();
  expect(seen.filter((p) => PHONE.test(p))).toHaveLength(1);
});

test('an editor chunk that cannot be fetched says so; "Try again" fetches it afresh', async ({ page, request }) => {
  const seen = wasmRequests(page);
  await openWidget(page, request, 'ZZZ0016');
  await onePhoto(page);
  await page.route(EDITOR, (route) => route.abort('connectionfailed'));
  await page.getByRole('button', { name: 'Edit photo' }).click();
  const problem = page.getByRole('alert').filter({ hasText: 'This part of the widget could not be loaded' });
  await expect(problem).toBeVisible();
  // The rest of the widget still works.
  await expect(page.getByRole('button', { name: 'Add photos' })).toBeEnabled();
  await page.unroute(EDITOR);
  await problem.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByRole('dialog', { name: 'Edit photo' }).getByRole('status')).toContainText('Original photo');
  await expect(problem).toHaveCount(0);
  expect(seen.filter((p) => EDITOR.test(p))).toHaveLength(2);
});
