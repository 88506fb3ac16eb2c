// The GP's desktop journey on the simulator: launch in context → add → tag → commit.
import { test, expect, Page, APIRequestContext } from '@playwright/test';
import { launchFor, launchUrl, patient, received, fault, UAT } from '../support/sim';
import { jpegBase64, withExif, hasExif, jpegSize } from '../support/images';
import { openWidget, addFiles, dropFile, thumbs, tagCurrent, commitAll } from '../support/widget';

const open = openWidget;

test('launch → add 3 photos (file input and drag-drop) → tag → commit → exactly 3 valid Media', async ({ page, request }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const before = (await received(request)).length;
  const l = await open(page, request, 'ZZZ0016');
  const banner = page.getByRole('region', { name: 'Patient', exact: true });
  await expect(banner).toContainText(`${l.patient.given} ${l.patient.family}`);
  await expect(banner).toContainText('ZZZ0016');
  await expect(banner).toContainText('14 Mar 1975');

  const big = withExif(Buffer.from(await jpegBase64(page, 4032, 3024), 'base64'), 6);
  expect(hasExif(big)).toBe(true);
  const small = Buffer.from(await jpegBase64(page, 800, 600), 'base64');
  await addFiles(page, [{ name: 'IMG_0001.jpg', buffer: big }, { name: 'IMG_0002.jpg', buffer: small }]);
  await dropFile(page, 'dropped.jpg', small);
  await expect(thumbs(page)).toHaveCount(3, { timeout: 30_000 });
  await expect(thumbs(page).filter({ hasText: 'Needs tags' })).toHaveCount(3);
  await expect(page.getByRole('button', { name: 'Commit all ready photos (0)' })).toBeDisabled();

  // Tag the first, apply to all, then vary the third.
  await thumbs(page).nth(0).click();
  await tagCurrent(page, 'Forearm', 'Left', 'Lesion');
  await expect(thumbs(page).nth(0)).toContainText('Ready');
  await page.getByRole('button', { name: 'Apply these tags to all photos' }).click();
  await expect(thumbs(page).filter({ hasText: 'Ready' })).toHaveCount(3);
  await thumbs(page).nth(2).click();
  await page.getByRole('group', { name: /Laterality/ }).getByLabel('Right', { exact: true }).check();
  await expect(thumbs(page).nth(2)).toHaveAttribute('aria-label', /Right forearm/);

  const dialog = await commitAll(page, 3);
  await expect(dialog).toContainText(`${l.patient.given} ${l.patient.family}`);
  await expect(dialog).toContainText('Send 3 photos');
  await dialog.getByRole('button', { name: 'Commit' }).click();
  await expect(thumbs(page).filter({ hasText: 'Saved to Medtech' })).toHaveCount(3, { timeout: 30_000 });
  await expect(page.getByRole('status').filter({ hasText: '3 saved to Medtech' })).toBeVisible();

  const media = (await received(request)).slice(before).filter((r) => r.status === 201);
  expect(media).toHaveLength(3);
  const ids = new Set(media.map((m) => m.resource.identifier[0].value));
  expect(ids.size).toBe(3);
  for (const m of media) {
    expect(m.facility).toBe(UAT);
    expect(m.resource.subject.reference).toBe(`Patient/${l.patient.id}`);
    expect(m.resource.operator.reference).toBe(`Practitioner/${l.practitioner.id}`);
    expect(m.resource.content.contentType).toBe('image/jpeg');
    expect(m.resource.createdDateTime).toMatch(/\+1[23]:00$/);
    const jpeg = Buffer.from(m.resource.content.data, 'base64');
    expect(jpeg.length).toBeLessThanOrEqual(1_000_000);
    expect(hasExif(jpeg)).toBe(false);
    expect(m.resource.content.title).toMatch(/^(Left|Right) forearm — lesion — \d+ \w+ \d{4} \d\d:\d\d$/);
  }
  // The 4032×3024 photo with orientation 6 arrives upright (portrait) and resized.
  const sizes = media.map((m) => jpegSize(Buffer.from(m.resource.content.data, 'base64')));
  expect(sizes).toContainEqual({ width: 1440, height: 1920 });
  expect(errors).toEqual([]);
});

test('required fields block commit until filled', async ({ page, request }) => {
  await open(page, request, 'ZZZ0024');
  await addFiles(page, [{ name: 'a.jpg', buffer: Buffer.from(await jpegBase64(page, 640, 480), 'base64') }]);
  await expect(thumbs(page)).toHaveCount(1, { timeout: 20_000 });
  await expect(page.getByText('Needed before commit')).toHaveCount(3);
  await expect(page.getByLabel('Body site')).toHaveAttribute('aria-invalid', 'true');
  const site = page.getByLabel('Body site');
  await site.fill('Hand');
  await site.press('Tab');
  await expect(page.getByText('Needed before commit')).toHaveCount(2);
  await expect(page.getByRole('button', { name: 'Commit all ready photos (0)' })).toBeDisabled();
  await page.getByRole('group', { name: /Laterality/ }).getByLabel('Right', { exact: true }).check();
  await page.getByRole('group', { name: /Image type/ }).getByLabel('Wound', { exact: true }).check();
  await expect(page.getByRole('button', { name: 'Commit all ready photos (1)' })).toBeEnabled();
});

test('a forced 503 leaves one photo waiting; the server sends it by itself; one Media per photo', async ({ page, request }) => {
  const l = await open(page, request, 'ZZZ0032');
  const img = Buffer.from(await jpegBase64(page, 640, 480), 'base64');
  await addFiles(page, [{ name: '1.jpg', buffer: img }, { name: '2.jpg', buffer: img }, { name: '3.jpg', buffer: img }]);
  await expect(thumbs(page)).toHaveCount(3, { timeout: 20_000 });
  // One photo ready first, so the fault meets it alone.
  await tagCurrent(page, 'Knee', 'Left', 'Rash');
  await expect(thumbs(page).filter({ hasText: 'Ready' })).toHaveCount(1);
  const before = (await received(request)).length;
  // The practice cannot be reached for its first two tries.
  await fault(request, { endpoint: 'Media', kind: 'unavailable', count: 2 });
  await (await commitAll(page, 1)).getByRole('button', { name: 'Commit' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'You can close the widget' })).toBeVisible();
  await expect(thumbs(page).filter({ hasText: /Waiting for Medtech \(next try \d\d:\d\d\)/ })).toHaveCount(1, { timeout: 30_000 });
  // A waiting photo is frozen: it offers no retry and no commit of its own.
  await expect(page.getByRole('button', { name: /Retry failed/ })).toHaveCount(0);
  // The other two go while it waits; then it goes too, with no click.
  await thumbs(page).nth(1).click();
  await tagCurrent(page, 'Knee', 'Left', 'Rash');
  await page.getByRole('button', { name: 'Apply these tags to all photos' }).click();
  await expect(thumbs(page).filter({ hasText: 'Ready' })).toHaveCount(2);
  await (await commitAll(page, 2)).getByRole('button', { name: 'Commit' }).click();
  await expect(thumbs(page).filter({ hasText: 'Saved to Medtech' })).toHaveCount(3, { timeout: 45_000 });
  const created = (await received(request)).slice(before).filter((r) => r.status === 201);
  expect(created).toHaveLength(3);
  expect(new Set(created.map((m) => m.resource.identifier[0].value)).size).toBe(3);
  expect(created.every((m) => m.resource.subject.reference === `Patient/${l.patient.id}`)).toBe(true);
  // Committing again (a double click, a stale tab) sends nothing more.
  await page.reload();
  await expect(thumbs(page).filter({ hasText: 'Saved to Medtech' })).toHaveCount(3);
  await expect(page.getByRole('button', { name: 'Commit all ready photos (0)' })).toBeDisabled();
  expect((await received(request)).slice(before).filter((r) => r.status === 201)).toHaveLength(3);
});

test('two tabs with two patients stay separate', async ({ context, request }) => {
  const a = await context.newPage();
  const b = await context.newPage();
  const la = await open(a, request, 'ZAA0067');
  const lb = await open(b, request, 'ZAC5361');
  await expect(a.getByRole('region', { name: 'Patient', exact: true })).toContainText('ZAA0067');
  await expect(b.getByRole('region', { name: 'Patient', exact: true })).toContainText('ZAC5361');
  await addFiles(a, [{ name: 'a.jpg', buffer: Buffer.from(await jpegBase64(a, 320, 240), 'base64') }]);
  await expect(thumbs(a)).toHaveCount(1, { timeout: 20_000 });
  await b.reload();
  await expect(b.getByRole('region', { name: 'Patient', exact: true })).toContainText('ZAC5361');
  await expect(thumbs(b)).toHaveCount(0);
  await tagCurrent(a, 'Ear', 'Left', 'Clinical photo');
  const before = (await received(request)).length;
  await (await commitAll(a, 1)).getByRole('button', { name: 'Commit' }).click();
  await expect(thumbs(a).filter({ hasText: 'Saved to Medtech' })).toHaveCount(1, { timeout: 20_000 });
  const sent = (await received(request)).slice(before).filter((r) => r.status === 201);
  expect(sent).toHaveLength(1);
  expect(sent[0].resource.subject.reference).toBe(`Patient/${la.patient.id}`);
  expect(sent[0].resource.subject.reference).not.toBe(`Patient/${lb.patient.id}`);
});

test('a tampered, replayed or patient-less launch never shows the widget', async ({ page, request }) => {
  const l = await launchFor(request, 'ZZZ0016');
  const url = new URL(l.url, 'http://x');
  const ctx = url.searchParams.get('context')!;
  const tampered = `/launch?context=${encodeURIComponent(ctx.slice(0, -2) + (ctx.endsWith('AA') ? 'BB' : 'AA'))}&signature=${encodeURIComponent(url.searchParams.get('signature')!)}`;
  const res = await page.goto(tampered);
  expect(res?.status()).toBe(400);
  await expect(page.getByRole('heading', { name: 'This launch link is not valid' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Add photos' })).toHaveCount(0);

  await page.goto(l.url);
  await expect(page.getByRole('heading', { name: 'Consent to clinical photography' })).toBeVisible();
  const again = await page.goto(l.url);
  expect(again?.status()).toBe(409);
  await expect(page.getByRole('heading', { name: 'This launch link has already been used' })).toBeVisible();

  const missing = await page.goto('/launch');
  expect(missing?.status()).toBe(400);

  const { practitioner } = await patient(request, 'ZZZ0016');
  await page.goto(await launchUrl(request, UAT, null, practitioner.id));
  await expect(page.getByRole('heading', { name: 'Open a patient in Medtech first' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Add photos' })).toHaveCount(0);
});

test('a session opened in another browser is refused', async ({ page, browser, request, baseURL }) => {
  await open(page, request, 'ZZZ0016');
  const other = await browser.newContext({ baseURL });
  const p2 = await other.newPage();
  const res = await p2.goto(page.url());
  expect(res?.status()).toBe(403);
  await expect(p2.getByRole('heading', { name: 'This session belongs to another browser' })).toBeVisible();
  await other.close();
});

test('reload keeps staged photos and their tags; remove has undo', async ({ page, request }) => {
  await open(page, request, 'ZZZ00AC');
  const img = Buffer.from(await jpegBase64(page, 400, 300), 'base64');
  await addFiles(page, [{ name: '1.jpg', buffer: img }, { name: '2.jpg', buffer: img }]);
  await expect(thumbs(page)).toHaveCount(2, { timeout: 20_000 });
  await thumbs(page).nth(0).click();
  const site = page.getByLabel('Body site');
  await site.fill('Scalp');
  await site.press('Tab');
  await expect(thumbs(page).nth(0)).toHaveAttribute('aria-label', /Scalp/);
  await page.reload();
  await expect(thumbs(page)).toHaveCount(2);
  await expect(thumbs(page).nth(0)).toHaveAttribute('aria-label', /Scalp/);
  // Keyboard: arrows move, Delete removes, Undo restores.
  await thumbs(page).nth(0).click();
  await page.keyboard.press('ArrowRight');
  await expect(thumbs(page).nth(1)).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Delete');
  await expect(thumbs(page)).toHaveCount(1);
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(thumbs(page)).toHaveCount(2);
});

test('files that are not photos are refused with their name and why', async ({ page, request }) => {
  await open(page, request, 'ZZZ0016');
  await page.getByLabel('Choose photo files').setInputFiles([{ name: 'referral.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7 hello') }]);
  await expect(page.getByRole('alert').filter({ hasText: 'referral.pdf is not a photo' })).toBeVisible();
  await expect(thumbs(page)).toHaveCount(0);
});

test('consent is recorded before the first photo and travels with it', async ({ page, request }) => {
  const l = await launchFor(request, 'ZAC5361');
  await page.goto(l.url);
  await expect(page.getByRole('heading', { name: 'Consent to clinical photography' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Add photos' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Use my phone' })).toHaveCount(0);
  await page.getByLabel('Consent not obtainable').check();
  await page.getByLabel('Why could consent not be obtained?').fill('Patient unconscious; photo needed for wound care');
  await page.getByRole('button', { name: 'Record consent' }).click();
  await expect(page.getByText('Consent not obtainable: Patient unconscious; photo needed for wound care')).toBeVisible();
  await addFiles(page, [{ name: 'w.jpg', buffer: Buffer.from(await jpegBase64(page, 320, 240), 'base64') }]);
  await expect(thumbs(page)).toHaveCount(1, { timeout: 20_000 });
  await tagCurrent(page, 'Lower leg', 'Right', 'Wound');
  const before = (await received(request)).length;
  await (await commitAll(page, 1)).getByRole('button', { name: 'Commit' }).click();
  await expect(thumbs(page).filter({ hasText: 'Saved to Medtech' })).toHaveCount(1, { timeout: 20_000 });
  const [m] = (await received(request)).slice(before).filter((r) => r.status === 201);
  expect(m.resource.note.map((n: any) => n.text)).toContain('Consent not obtainable: Patient unconscious; photo needed for wound care');
  // A reload keeps the consent.
  await page.reload();
  await expect(page.getByRole('button', { name: 'Add photos' })).toBeEnabled();
});
