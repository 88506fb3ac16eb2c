// Phone handoff: desktop shows a QR link; a phone (mobile-emulated context) opens it,
// confirms the patient, uploads photos that appear on the desktop without a reload.
import { test, expect, devices } from '@playwright/test';
import { launchFor, received } from '../support/sim';
import { jpegBase64, withExif } from '../support/images';
import { recordConsent } from '../support/widget';

test('desktop QR → phone confirms patient → 2 photos appear on the desktop → committed', async ({ browser, page, request, baseURL }) => {
  const l = await launchFor(request, 'ZAA0067');
  await page.goto(l.url);
  await recordConsent(page);
  await page.getByRole('button', { name: 'Use my phone' }).click();
  const panel = page.getByRole('region', { name: 'Phone capture' });
  await expect(panel.getByRole('img', { name: 'QR code for the phone link' })).toBeVisible();
  await expect(panel.getByLabel('Phone code')).toHaveText(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
  const link = await panel.getByRole('link', { name: 'Phone link' }).getAttribute('href');
  expect(link).toMatch(/\/m\/[A-Za-z0-9_-]{43}$/);

  const phoneContext = await browser.newContext({ ...devices['Pixel 7'], baseURL });
  const phone = await phoneContext.newPage();
  await phone.goto(new URL(link!).pathname);
  const banner = phone.getByRole('region', { name: 'Patient', exact: true });
  await expect(banner).toContainText(`${l.patient.given} ${l.patient.family}`);
  await expect(banner).toContainText('ZAA0067');
  await expect(phone.getByRole('heading', { name: 'Are these photos for this patient?' })).toBeVisible();
  await expect(phone.getByLabel('Take photo', { exact: true })).toHaveCount(0);
  await phone.getByRole('button', { name: 'Yes, take photos' }).click();

  // Quick tags on the phone travel with the photos.
  await phone.getByText('Tags for the next photos (optional)').click();
  // The body map sets the site and the side in one tap; the lists show what it chose.
  await phone.getByRole('button', { name: 'Left forearm (front)', exact: true }).tap();
  await expect(phone.getByLabel('Body site')).toHaveValue('14975008');
  await expect(phone.getByLabel('Laterality')).toHaveValue('7771000');
  await expect(phone.getByRole('button', { name: 'Left forearm (front)', exact: true })).toHaveAttribute('aria-pressed', 'true');
  await phone.locator('.body-map').screenshot({ path: test.info().outputPath('skin-bodymap-phone.png') });
  await phone.getByLabel('Image type').selectOption({ label: 'Wound' });
  const a = withExif(Buffer.from(await jpegBase64(phone, 1600, 1200), 'base64'), 6);
  const b = Buffer.from(await jpegBase64(phone, 1200, 1600), 'base64');
  await phone.getByLabel('Take photo', { exact: true }).setInputFiles([
    { name: 'IMG_1.jpg', mimeType: 'image/jpeg', buffer: a },
    { name: 'IMG_2.jpg', mimeType: 'image/jpeg', buffer: b },
  ]);
  await expect(phone.getByRole('status').filter({ hasText: '2 photos sent to the computer. This phone keeps no copy.' })).toBeVisible({ timeout: 30_000 });

  // The desktop shows them without a reload, already tagged.
  const thumbs = page.getByRole('listbox', { name: 'Photos for this patient' }).getByRole('option');
  await expect(thumbs).toHaveCount(2);
  await expect(thumbs.filter({ hasText: 'Ready' })).toHaveCount(2);
  await expect(thumbs.first()).toHaveAttribute('aria-label', /Left forearm/);

  const before = (await received(request)).length;
  await page.getByRole('button', { name: 'Commit all ready photos (2)' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Commit' }).click();
  await expect(thumbs.filter({ hasText: 'Saved to Medtech' })).toHaveCount(2, { timeout: 30_000 });
  const media = (await received(request)).slice(before).filter((r) => r.status === 201);
  expect(media).toHaveLength(2);
  for (const m of media) expect(m.resource.subject.reference).toBe(`Patient/${l.patient.id}`);

  // Stopping phone capture kills the link on the phone.
  await page.getByRole('button', { name: 'Stop phone capture' }).click();
  await expect(page.getByRole('button', { name: 'Use my phone' })).toBeVisible();
  const res = await phone.goto(new URL(link!).pathname);
  expect(res?.status()).toBe(410);
  await expect(phone.getByRole('heading', { name: 'This phone link no longer works' })).toBeVisible();
  await phoneContext.close();
});

test('the typed code connects a phone', async ({ browser, page, request, baseURL }) => {
  const l = await launchFor(request, 'ZZZ0016');
  await page.goto(l.url);
  await recordConsent(page);
  await page.getByRole('button', { name: 'Use my phone' }).click();
  const code = await page.getByLabel('Phone code').textContent();
  const phoneContext = await browser.newContext({ ...devices['Pixel 7'], baseURL });
  const phone = await phoneContext.newPage();
  await phone.goto('/m');
  await phone.getByLabel('Code shown on the computer').fill('WRNG-CODE');
  await phone.getByRole('button', { name: 'Connect' }).click();
  await expect(phone.getByRole('alert')).toContainText('That code is not valid');
  await phone.getByLabel('Code shown on the computer').fill(code!.toLowerCase());
  await phone.getByRole('button', { name: 'Connect' }).click();
  await expect(phone.getByRole('region', { name: 'Patient', exact: true })).toContainText('ZZZ0016');
  await phoneContext.close();
});
