// Delivery the server owns (issue #23): the GP commits while the practice cannot be reached and
// closes the widget; a later launch for the same patient lists what is not yet in Medtech, with
// its actions; once ALEX is back the server sends the rest by itself, once.
import { test, expect } from '@playwright/test';
import { received, fault, patient } from '../support/sim';
import { jpegBase64 } from '../support/images';
import { openWidget, addFiles, thumbs, tagCurrent, commitAll } from '../support/widget';

const NHI = 'ZZZ00AC';

test.afterEach(async ({ request }) => {
  await request.delete('/sim/api/faults');
});

test('commit, close, a new launch lists the waiting photos with their actions, and they arrive once', async ({ context, request }) => {
  test.setTimeout(180_000);
  const p = (await patient(request, NHI)).patient;
  const before = (await received(request)).length;
  const page = await context.newPage();
  await openWidget(page, request, NHI);
  const img = Buffer.from(await jpegBase64(page, 640, 480), 'base64');
  await addFiles(page, [{ name: '1.jpg', buffer: img }, { name: '2.jpg', buffer: img }]);
  await expect(thumbs(page)).toHaveCount(2, { timeout: 20_000 });
  await tagCurrent(page, 'Knee', 'Left', 'Wound');
  await page.getByRole('button', { name: 'Apply these tags to all photos' }).click();
  await expect(thumbs(page).filter({ hasText: 'Ready' })).toHaveCount(2);

  // The practice's server is down: every Media POST answers 503.
  await fault(request, { endpoint: 'Media', kind: 'unavailable', count: 1000 });
  await (await commitAll(page, 2)).getByRole('button', { name: 'Commit' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'You can close the widget' })).toBeVisible();
  await expect(thumbs(page).filter({ hasText: /Queued|Sending|Waiting for Medtech/ })).toHaveCount(2);
  await page.close();

  // A later launch for the same patient, at the same practice.
  const later = await context.newPage();
  await openWidget(later, request, NHI);
  const held = later.getByRole('region', { name: 'Earlier photos of this patient not yet in Medtech' });
  await expect(held.getByRole('listitem')).toHaveCount(2, { timeout: 20_000 });
  await expect(held.getByRole('listitem').first()).toContainText(/knee.*wound — taken .* — (Queued|Sending|Waiting for Medtech)/i);
  await expect(thumbs(later)).toHaveCount(0);

  // One is withdrawn, with a reason; the keyboard reaches the form.
  await expect(held.getByRole('button', { name: /^Withdraw: .*knee/i }).first()).toBeVisible({ timeout: 20_000 });
  await held.getByRole('button', { name: /^Withdraw: .*knee/i }).first().click();
  const reason = held.getByLabel('Why withdraw it?');
  await expect(held.getByRole('button', { name: 'Withdraw', exact: true })).toBeDisabled();
  await reason.fill('Taken of the wrong leg');
  await reason.press('Enter');
  await expect(later.getByText('Withdrawn: it will not be sent.')).toBeVisible();
  await expect(held.getByRole('listitem')).toHaveCount(1);

  // ALEX is back: the other goes by itself, and the list empties.
  await request.delete('/sim/api/faults');
  await expect(held).toHaveCount(0, { timeout: 120_000 });
  const created = (await received(request)).slice(before).filter((r) => r.status === 201);
  expect(created).toHaveLength(1);
  expect(created[0].resource.subject.reference).toBe(`Patient/${p.id}`);
});
