// The body map: a region sets the body site and the side in one click (the patient's side, on a
// view labelled so), saved like every tag; it works by keyboard alone, and shows the current site.
import { test, expect, Page } from '@playwright/test';
import { jpegBase64 } from '../support/images';
import { openWidget, addFiles, thumbs, commitAll } from '../support/widget';

function region(page: Page, name: string) {
  return page.getByRole('button', { name, exact: true });
}

test('clicking "Left forearm (front)" sets and saves the site and side; keyboard-only tagging works', async ({ page, request }) => {
  await page.setViewportSize({ width: 1366, height: 768 });
  await openWidget(page, request, 'ZZZ0032');
  const jpeg = Buffer.from(await jpegBase64(page, 640, 480), 'base64');
  await addFiles(page, [
    { name: 'one.jpg', buffer: jpeg },
    { name: 'two.jpg', buffer: jpeg },
  ]);
  await expect(thumbs(page)).toHaveCount(2, { timeout: 30_000 });

  // Photo 1 by mouse.
  await thumbs(page).nth(0).click();
  const forearm = region(page, 'Left forearm (front)');
  await expect(forearm).toHaveAttribute('aria-pressed', 'false');
  // The front view is labelled so no one mirrors it: the patient's left is on the viewer's right.
  const left = await forearm.boundingBox();
  const right = await region(page, 'Right forearm (front)').boundingBox();
  expect(left!.x).toBeGreaterThan(right!.x);
  await forearm.click();
  await expect(thumbs(page).nth(0)).toHaveAttribute('aria-label', /^Photo 1: Left forearm/);
  await expect(page.getByLabel('Body site')).toHaveValue('Forearm');
  await expect(page.getByRole('group', { name: /^Laterality/ }).getByLabel('Left', { exact: true })).toBeChecked();
  await expect(forearm).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByRole('button', { name: 'Left forearm (back)', exact: true })).toHaveAttribute('aria-pressed', 'true');
  await expect(region(page, 'Right forearm (front)')).toHaveAttribute('aria-pressed', 'false');
  await page.locator('.map-field').screenshot({ path: test.info().outputPath('skin-bodymap-desktop.png') });
  await page.screenshot({ path: test.info().outputPath('skin-bodymap-1366.png') });

  // Photo 2 by keyboard only: Tab to a region, Enter; then a finer site with Space.
  await thumbs(page).nth(1).click();
  await expect(thumbs(page).nth(1)).toHaveAttribute('aria-selected', 'true');
  await page.getByRole('button', { name: 'Right hand (front)', exact: true }).focus();
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Right hand (front)', exact: true })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(thumbs(page).nth(1)).toHaveAttribute('aria-label', /^Photo 2: Right hand/);
  const finer = page.getByRole('group', { name: 'Finer site for Right hand (front)' });
  await finer.getByRole('button', { name: 'Finger', exact: true }).focus();
  await page.keyboard.press('Space');
  await expect(thumbs(page).nth(1)).toHaveAttribute('aria-label', /^Photo 2: Right finger/);
  await expect(page.getByRole('button', { name: 'Right hand (front)', exact: true })).toHaveAttribute('aria-pressed', 'true');

  // A midline region: the side is "Not applicable".
  await region(page, 'Neck (back)').press('Enter');
  await expect(thumbs(page).nth(1)).toHaveAttribute('aria-label', /^Photo 2: Neck,/);
  await expect(page.getByRole('group', { name: /^Laterality/ }).getByLabel('Not applicable', { exact: true })).toBeChecked();

  // Saved on the server: after a reload the panel and the map show what was clicked.
  await page.reload();
  await expect(thumbs(page)).toHaveCount(2, { timeout: 30_000 });
  await expect(page.getByRole('button', { name: 'Use my phone' })).toBeEnabled(); // hydrated
  await thumbs(page).nth(0).click();
  await expect(page.getByLabel('Body site')).toHaveValue('Forearm');
  await expect(page.getByRole('group', { name: /^Laterality/ }).getByLabel('Left', { exact: true })).toBeChecked();
  await expect(region(page, 'Left forearm (front)')).toHaveAttribute('aria-pressed', 'true');
  await thumbs(page).nth(1).click();
  await expect(page.getByLabel('Body site')).toHaveValue('Neck');

  // A photo in Medtech keeps its tags: a click on the map says why nothing changed.
  await thumbs(page).nth(0).click();
  await page.getByRole('group', { name: /^Image type/ }).getByLabel('Lesion', { exact: true }).check();
  await expect(thumbs(page).nth(0)).toHaveAttribute('aria-label', /Ready/);
  const dialog = await commitAll(page, 1);
  await dialog.getByRole('button', { name: 'Commit' }).click();
  await expect(thumbs(page).nth(0)).toHaveAttribute('aria-label', /Saved to Medtech/, { timeout: 30_000 });
  await expect(region(page, 'Right knee (front)')).toHaveAttribute('aria-disabled', 'true');
  await region(page, 'Right knee (front)').click({ force: true });
  await expect(page.getByRole('alert').filter({ hasText: "This photo's tags can no longer change" })).toBeVisible();
  await expect(region(page, 'Left forearm (front)')).toHaveAttribute('aria-pressed', 'true');
  await expect(thumbs(page).nth(0)).toHaveAttribute('aria-label', /^Photo 1: Left forearm/);
});
