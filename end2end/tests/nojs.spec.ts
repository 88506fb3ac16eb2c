// The core flow with JavaScript off: the launch lands on the basic version (plain forms and
// redirects); consent, several photos in one form, tags, commit — and the simulator holds valid Media.
import { test, expect } from '@playwright/test';
import { launchFor, received } from '../support/sim';
import { jpegBase64 } from '../support/images';

test.use({ javaScriptEnabled: false });

test('without JavaScript: consent, 3 photos in one form, tags, commit → 3 valid Media', async ({ page, browser, request }) => {
  // The test photos are made in a browser that runs scripts.
  const maker = await browser.newContext();
  const draw = await maker.newPage();
  const files = await Promise.all(
    [0, 1, 2].map(async (i) => ({
      name: `basic-${i}.jpg`,
      mimeType: 'image/jpeg',
      buffer: Buffer.from(await jpegBase64(draw, 900 + i * 40, 700), 'base64'),
    })),
  );
  await maker.close();
  const before = (await received(request, 'Media')).length;

  const l = await launchFor(request, 'ZAC5361');
  await page.goto(l.url);
  // No scripts: the widget page sends this browser on to its basic version.
  await expect(page).toHaveURL(/\/w\/[A-Za-z0-9_-]{43}\/basic$/);
  const banner = page.getByRole('banner', { name: 'Patient' }).or(page.locator('header.patient-banner'));
  await expect(banner).toContainText('ZAC5361');
  await expect(banner).toContainText(l.patient.family);
  await expect(page.getByRole('note')).toContainText('no photo editor, no phone, no webcam and no live updates');

  await page.getByRole('group', { name: 'How did the patient consent?' }).getByLabel('Verbal consent').check();
  await page.getByRole('button', { name: 'Record consent' }).click();
  await expect(page.getByRole('status')).toHaveText('Consent recorded. You can add photos now.');

  await page.getByLabel('Photos to add (JPEG or PNG; several at once)').setInputFiles(files);
  await page.getByRole('button', { name: 'Add photos' }).click();
  await expect(page.getByRole('status')).toContainText('3 photos added');
  const photos = page.getByRole('article');
  await expect(photos).toHaveCount(3);
  await expect(page.getByRole('button', { name: 'Commit 0 photos to Medtech' })).toBeDisabled();

  for (let i = 0; i < 3; i++) {
    const photo = page.getByRole('article').nth(i);
    await photo.getByLabel('Body site').selectOption({ label: 'Forearm' });
    await photo.getByLabel('Laterality').selectOption({ label: i === 2 ? 'Right' : 'Left' });
    await photo.getByLabel('Image type').selectOption({ label: 'Lesion' });
    await photo.getByRole('button', { name: 'Save tags' }).click();
    await expect(page.getByRole('status')).toHaveText('Tags saved.');
  }
  // What the page shows is what the server holds: after a reload, each photo keeps its tags.
  await page.reload();
  await expect(page.getByRole('article').nth(2).getByLabel('Laterality')).toHaveValue('24028007');
  await expect(page.getByRole('article').filter({ hasText: 'Ready' })).toHaveCount(3);

  const choices = page.getByRole('group', { name: 'Save as' });
  await expect(choices.getByLabel(/Photos in the patient's record/)).toBeChecked();
  await page.getByRole('button', { name: 'Commit 3 photos to Medtech' }).click();
  await expect(page.getByRole('status')).toHaveText('3 photos saved to Medtech.');
  await expect(page.getByRole('article').filter({ hasText: 'Saved to Medtech' })).toHaveCount(3);

  const media = (await received(request, 'Media')).slice(before).filter((m) => m.status === 201);
  expect(media).toHaveLength(3);
  for (const m of media) {
    expect(m.resource.subject.reference).toBe(`Patient/${l.patient.id}`);
    expect(m.resource.status).toBe('completed');
    expect(m.resource.content.contentType).toBe('image/jpeg');
    expect(m.resource.content.title).toMatch(/^(Left|Right) forearm — lesion — /);
    expect(m.resource.identifier[0].value).toMatch(/^[0-9a-f-]{36}$/);
  }
  expect(media.filter((m) => m.resource.content.title.startsWith('Right forearm'))).toHaveLength(1);
});
