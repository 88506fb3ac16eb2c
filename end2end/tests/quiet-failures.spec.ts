// Quiet failures made loud: a live feed that was cut still shows the phone's photos, and a photo
// whose arrival Medtech did not confirm can be marked as saved once the GP has checked.
import { test, expect } from '@playwright/test';
import { received, fault } from '../support/sim';
import { jpegBase64 } from '../support/images';
import { openWidget, addFiles, thumbs, tagCurrent, commitAll } from '../support/widget';

test('after the live feed is cut, a photo the phone sent meanwhile still appears without a reload', async ({ browser, page, request, baseURL }) => {
  // The feed cannot connect until we let it: whatever happens meanwhile is sent to nobody.
  let cut = true;
  let refused = 0;
  await page.route('**/api/w/*/events', (route) => {
    if (cut) {
      refused += 1;
      return route.abort();
    }
    return route.continue();
  });
  await openWidget(page, request, 'ZZZ0024');
  await page.getByRole('button', { name: 'Use my phone' }).click();
  const link = await page.getByRole('region', { name: 'Phone capture' }).getByRole('link', { name: 'Phone link' }).getAttribute('href');

  const phoneContext = await browser.newContext({ baseURL });
  const phone = await phoneContext.newPage();
  await phone.goto(new URL(link!).pathname);
  await phone.getByRole('button', { name: 'Yes, take photos' }).click();
  await phone.getByLabel('Take photo', { exact: true }).setInputFiles([
    { name: 'IMG_1.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(await jpegBase64(phone, 800, 600), 'base64') },
  ]);
  await expect(phone.getByRole('status').filter({ hasText: '1 photo sent to the computer' })).toBeVisible({ timeout: 30_000 });
  expect(refused).toBeGreaterThan(0);
  await expect(thumbs(page)).toHaveCount(0);

  // The connection comes back: the page catches up on what it missed.
  cut = false;
  await expect(thumbs(page)).toHaveCount(1, { timeout: 20_000 });
  await phoneContext.close();
});

test("after an unknown outcome the GP can mark the photo as saved, and it is not sent again", async ({ page, request }) => {
  await openWidget(page, request, 'ZZZ0016');
  await addFiles(page, [{ name: 'a.jpg', buffer: Buffer.from(await jpegBase64(page, 640, 480), 'base64') }]);
  await expect(thumbs(page)).toHaveCount(1, { timeout: 20_000 });
  await tagCurrent(page, 'Forearm', 'Left', 'Lesion');
  await expect(thumbs(page).filter({ hasText: 'Ready' })).toHaveCount(1);
  const before = (await received(request)).length;
  // Medtech saves it, but the answer never comes back.
  await fault(request, { endpoint: 'Media', kind: 'drop_after_processing', count: 1 });
  await (await commitAll(page, 1)).getByRole('button', { name: 'Commit' }).click();
  const unknown = page.locator('p.unknown');
  await expect(unknown).toContainText('did not confirm', { timeout: 30_000 });
  await expect(unknown.getByRole('button', { name: 'I checked Medtech: send this photo again' })).toBeVisible();

  await unknown.getByRole('button', { name: 'It is in Medtech — mark as saved' }).click();
  await expect(page.getByText(/^Saved \(confirmed by GP\): Left forearm, lesion/)).toBeVisible();
  await expect(thumbs(page).filter({ hasText: 'Saved to Medtech' })).toHaveCount(1);
  await expect(unknown).toHaveCount(0);

  // It stays saved, and nothing more was sent.
  await page.reload();
  await expect(page.getByText(/^Saved \(confirmed by GP\)/)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Commit all ready photos (0)' })).toBeDisabled();
  expect((await received(request)).slice(before)).toHaveLength(1);
});
