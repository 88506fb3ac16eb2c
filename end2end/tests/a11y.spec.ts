// Issue 12.6: axe-core on the main screens — no serious or critical accessibility violation
// (WCAG 2.1 A and AA rules).
import { test, expect, devices, Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { launchFor } from '../support/sim';
import { jpegBase64 } from '../support/images';
import { recordConsent, tagCurrent } from '../support/widget';

async function expectNoSeriousViolations(page: Page, screen: string) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ') + ' ' + n.html.slice(0, 120)).join(', ')}`);
  expect(serious, screen).toEqual([]);
}

test('the start, simulator, phone code, problem and not-found pages', async ({ page }) => {
  for (const [path, screen] of [
    ['/', 'start page'],
    ['/sim', 'simulator launch page'],
    ['/m', 'phone code entry'],
    ['/problem/launch-expired', 'refused launch'],
    ['/no/such/page', 'not found'],
  ]) {
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1 }).first()).toBeVisible();
    await expectNoSeriousViolations(page, screen);
  }
});

test('the widget: consent, photos and tags, editor, phone panel, commit confirmation', async ({ page, request }) => {
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.goto('/healthz');
  const jpeg = Buffer.from(await jpegBase64(page, 1600, 1200), 'base64');
  const l = await launchFor(request, 'ZZZ0016');
  await page.goto(l.url);
  await expect(page.getByRole('group', { name: 'How did the patient consent?' })).toBeVisible();
  await expectNoSeriousViolations(page, 'consent');
  await recordConsent(page);
  await expectNoSeriousViolations(page, 'empty widget');

  await page.getByLabel('Choose photo files').setInputFiles([
    { name: 'a.jpg', mimeType: 'image/jpeg', buffer: jpeg },
    { name: 'b.jpg', mimeType: 'image/jpeg', buffer: jpeg },
  ]);
  const thumbs = page.getByRole('listbox', { name: 'Photos for this patient' }).getByRole('option');
  await expect(thumbs).toHaveCount(2, { timeout: 20_000 });
  await thumbs.first().click();
  await expectNoSeriousViolations(page, 'photos and tags');

  await page.getByRole('button', { name: 'Edit photo' }).click();
  const editor = page.getByRole('dialog', { name: 'Edit photo' });
  await expect(editor.getByRole('status')).toContainText('Original photo');
  await expectNoSeriousViolations(page, 'editor');
  await editor.getByRole('button', { name: 'Done', exact: true }).click();
  await expect(editor).toHaveCount(0);

  await page.getByRole('button', { name: 'Use my phone' }).click();
  await expect(page.getByRole('button', { name: 'Stop phone capture' })).toBeVisible();
  await expectNoSeriousViolations(page, 'phone panel');
  // The phone's own page, before and after the GP confirms the patient.
  const link = await page.getByRole('region', { name: 'Phone capture' }).getByRole('link', { name: 'Phone link' }).getAttribute('href');
  const phoneContext = await page.context().browser()!.newContext({ ...devices['Pixel 7'], baseURL: new URL(page.url()).origin });
  const phone = await phoneContext.newPage();
  await phone.goto(new URL(link!).pathname);
  await expect(phone.getByRole('heading', { name: 'Are these photos for this patient?' })).toBeVisible();
  await expectNoSeriousViolations(phone, 'phone page: confirm the patient');
  await phone.getByRole('button', { name: 'Yes, take photos' }).click();
  await expect(phone.getByLabel('Take photo', { exact: true })).toHaveCount(1);
  await expectNoSeriousViolations(phone, 'phone page: take photos');
  await phoneContext.close();
  await page.getByRole('button', { name: 'Stop phone capture' }).click();

  await tagCurrent(page, 'Forearm', 'Left', 'Lesion');
  await expect(thumbs.first()).toContainText('Ready');
  await page.getByRole('button', { name: 'Apply these tags to all photos' }).click();
  await expect(thumbs.filter({ hasText: 'Ready' })).toHaveCount(2);
  await page.getByRole('button', { name: 'Commit all ready photos (2)' }).click();
  await expect(page.getByRole('alertdialog', { name: 'Commit photos to Medtech' })).toBeVisible();
  await expectNoSeriousViolations(page, 'commit confirmation');
});

test('the basic pages without JavaScript: consent, photos and tags, results', async ({ browser, request }) => {
  const maker = await browser.newPage();
  const jpeg = Buffer.from(await jpegBase64(maker, 800, 600), 'base64');
  await maker.close();
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  // axe runs as a script, so each screen is checked as the same page in a browser with scripts
  // on, carrying this browser's cookies (the basic page itself has no script to change it).
  const check = async (screen: string) => {
    const seeing = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    await seeing.addCookies(await context.cookies());
    const view = await seeing.newPage();
    await view.goto(page.url());
    await expect(view.getByRole('note')).toContainText('basic version');
    await expectNoSeriousViolations(view, screen);
    await seeing.close();
  };
  const l = await launchFor(request, 'ZZZ0024');
  await page.goto(l.url);
  await expect(page).toHaveURL(/\/basic$/);
  await check('basic: consent');
  await page.getByRole('group', { name: 'How did the patient consent?' }).getByLabel('Verbal consent').check();
  await page.getByRole('button', { name: 'Record consent' }).click();
  await page.getByLabel('Photos to add (JPEG or PNG; several at once)').setInputFiles([{ name: 'a.jpg', mimeType: 'image/jpeg', buffer: jpeg }]);
  await page.getByRole('button', { name: 'Add photos' }).click();
  await expect(page.getByRole('article')).toHaveCount(1);
  await check('basic: photos and tags');
  const photo = page.getByRole('article').first();
  await photo.getByLabel('Body site').selectOption({ label: 'Forearm' });
  await photo.getByLabel('Laterality').selectOption({ label: 'Left' });
  await photo.getByLabel('Image type').selectOption({ label: 'Lesion' });
  await photo.getByRole('button', { name: 'Save tags' }).click();
  await page.getByRole('button', { name: 'Commit 1 photo to Medtech' }).click();
  await expect(page.getByRole('status')).toHaveText('1 photo saved to Medtech.');
  await check('basic: results');
  await context.close();
});
