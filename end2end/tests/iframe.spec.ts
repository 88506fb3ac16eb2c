// Medtech Evolution shows the widget in an embedded pane: inside a 1366×768 frame every part of
// the journey — consent, adding, tagging, the editor, the commit confirmation — is reachable
// without scrolling the outer page, and the session cookie works in the frame.
import { test, expect } from '@playwright/test';
import { launchFor } from '../support/sim';
import { embed } from '../support/frame';
import { jpegBase64 } from '../support/images';
import { recordConsent, tagCurrent } from '../support/widget';

const W = 1366;
const H = 768;

test('the widget works inside a 1366×768 frame, editor included', async ({ page, request }) => {
  await page.setViewportSize({ width: W + 40, height: H + 40 });
  // A same-origin host page, as the embedded pane is (CSP frame-ancestors 'self').
  await page.goto('/healthz');
  const l = await launchFor(request, 'ZZZ0016');
  const frame = await embed(page, l.url, W, H);
  await expect(frame.getByRole('region', { name: 'Patient', exact: true })).toContainText('ZZZ0016');
  await recordConsent(frame);

  const jpeg = Buffer.from(await jpegBase64(page, 1600, 1200), 'base64');
  await frame.getByLabel('Choose photo files').setInputFiles([{ name: 'a.jpg', mimeType: 'image/jpeg', buffer: jpeg }]);
  const thumbs = frame.getByRole('listbox', { name: 'Photos for this patient' }).getByRole('option');
  await expect(thumbs).toHaveCount(1, { timeout: 20_000 });

  const inside = async (name: string, box: { x: number; y: number; width: number; height: number } | null) => {
    expect(box, name).not.toBeNull();
    expect(box!.x + box!.width, `${name} right edge`).toBeLessThanOrEqual(W);
    expect(box!.y + box!.height, `${name} bottom edge`).toBeLessThanOrEqual(H);
  };
  await inside('Edit photo', await frame.getByRole('button', { name: 'Edit photo' }).boundingBox());
  await frame.getByRole('button', { name: 'Edit photo' }).click();
  const dialog = frame.getByRole('dialog', { name: 'Edit photo' });
  await expect(dialog.getByRole('status')).toContainText('Original photo');
  for (const name of ['Crop', 'Rotate left', 'Rotate right', 'Arrow', 'Ellipse', 'Freehand', 'Text', 'Undo', 'Redo', 'Reset to original', 'Done']) {
    await inside(name, await dialog.getByRole('button', { name, exact: true }).boundingBox());
  }
  await inside('drawing area', await dialog.getByRole('img', { name: /Drawing area/ }).boundingBox());
  await dialog.getByRole('button', { name: 'Rotate right', exact: true }).click();
  await expect(dialog.getByRole('status')).toContainText('1 change');
  await dialog.getByRole('button', { name: 'Done', exact: true }).click();
  await expect(dialog).toHaveCount(0);

  await tagCurrent(frame, 'Forearm', 'Left', 'Lesion');
  const commit = frame.getByRole('button', { name: 'Commit all ready photos (1)' });
  await inside('Commit', await commit.boundingBox());
  await commit.click();
  const confirm = frame.getByRole('alertdialog', { name: 'Commit photos to Medtech' });
  await inside('Commit confirmation', await confirm.getByRole('button', { name: 'Commit' }).boundingBox());
  await confirm.getByRole('button', { name: 'Commit' }).click();
  await expect(thumbs.filter({ hasText: 'Saved to Medtech' })).toHaveCount(1, { timeout: 30_000 });
});
