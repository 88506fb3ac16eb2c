// The tag panel shows exactly the selected photo's saved tags, whichever photo was tagged before
// it and however it was selected; every chip click saves or says why not.
import { test, expect, Page } from '@playwright/test';
import { jpegBase64 } from '../support/images';
import { openWidget, addFiles, thumbs, tagCurrent } from '../support/widget';

interface Shown { site: string; laterality: string | null; view: string | null; type: string | null }

const GROUPS: [keyof Shown, RegExp][] = [
  ['laterality', /^Laterality/],
  ['view', /^View/],
  ['type', /^Image type/],
];

/** Every chip group shows exactly `want`: that chip on (checked), every other chip off. */
async function expectPanel(page: Page, want: Shown) {
  await expect(page.getByLabel('Body site')).toHaveValue(want.site);
  for (const [key, name] of GROUPS) {
    const group = page.getByRole('group', { name });
    const on = group.getByRole('radio', { checked: true });
    const label = want[key];
    if (label === null) {
      await expect(on, `no ${key} chip on`).toHaveCount(0);
    } else {
      await expect(on, `one ${key} chip on`).toHaveCount(1);
      await expect(group.getByLabel(label, { exact: true })).toBeChecked();
    }
    // The chip's look follows the same record.
    await expect(group.locator('label.chip.on')).toHaveCount(label === null ? 0 : 1);
  }
}

const FULL: Shown = { site: 'Forearm', laterality: 'Left', view: 'Anterior', type: 'Lesion' };
const PARTIAL: Shown = { site: 'Hand', laterality: null, view: 'Lateral', type: null };
const NONE: Shown = { site: '', laterality: null, view: null, type: null };

test('the tag panel shows each photo its own saved tags, by click and by arrow keys; a chip click on an untagged photo saves', async ({ page, request }) => {
  await openWidget(page, request, 'ZZZ0032');
  const jpeg = Buffer.from(await jpegBase64(page, 640, 480), 'base64');
  await addFiles(page, [
    { name: 'one.jpg', buffer: jpeg },
    { name: 'two.jpg', buffer: jpeg },
    { name: 'three.jpg', buffer: jpeg },
  ]);
  await expect(thumbs(page)).toHaveCount(3, { timeout: 30_000 });

  // Photo 1 fully tagged, photo 2 partly, photo 3 not at all.
  await thumbs(page).nth(0).click();
  await tagCurrent(page, FULL.site, FULL.laterality!, FULL.type!);
  await page.getByRole('group', { name: /^View/ }).getByLabel(FULL.view!, { exact: true }).check();
  await expect(thumbs(page).nth(0)).toHaveAttribute('aria-label', /Left forearm, anterior, lesion, Ready/);
  await thumbs(page).nth(1).click();
  const site = page.getByLabel('Body site');
  await site.fill(PARTIAL.site);
  await site.press('Tab');
  await page.getByRole('group', { name: /^View/ }).getByLabel(PARTIAL.view!, { exact: true }).check();
  await expect(thumbs(page).nth(1)).toHaveAttribute('aria-label', /Hand, lateral, Needs tags/);

  // By click, in an order where each photo follows a differently tagged one.
  for (const [n, want] of [[2, NONE], [0, FULL], [2, NONE], [1, PARTIAL], [0, FULL], [1, PARTIAL], [2, NONE]] as [number, Shown][]) {
    await thumbs(page).nth(n).click();
    await expect(thumbs(page).nth(n)).toHaveAttribute('aria-selected', 'true');
    await expectPanel(page, want);
  }
  await expect(thumbs(page).nth(2)).toHaveAttribute('aria-label', /untagged, Needs tags/);

  // By arrow keys along the strip.
  await thumbs(page).nth(0).click();
  await expectPanel(page, FULL);
  for (const [key, n, want] of [
    ['ArrowRight', 1, PARTIAL],
    ['ArrowRight', 2, NONE],
    ['ArrowLeft', 1, PARTIAL],
    ['ArrowLeft', 0, FULL],
    ['ArrowDown', 1, PARTIAL],
    ['ArrowDown', 2, NONE],
  ] as [string, number, Shown][]) {
    await page.keyboard.press(key);
    await expect(thumbs(page).nth(n)).toHaveAttribute('aria-selected', 'true');
    await expectPanel(page, want);
  }

  // On photo 3 (untagged, following photo 2 whose chips were clicked), the chip photo 1 had
  // saves when clicked — the state the GP sees is the state that is kept.
  await page.getByRole('group', { name: /^Laterality/ }).getByLabel('Left', { exact: true }).click();
  await expect(thumbs(page).nth(2)).toHaveAttribute('aria-label', /untagged, Needs tags/);
  await page.getByRole('group', { name: /^View/ }).getByLabel('Anterior', { exact: true }).click();
  await expect(thumbs(page).nth(2)).toHaveAttribute('aria-label', /^Photo 3: anterior, Needs tags/);
  const third: Shown = { site: '', laterality: 'Left', view: 'Anterior', type: null };
  await expectPanel(page, third);

  // A save that fails says so, and the chips go back to what the record holds.
  await page.route('**/api/photos/tag', (route) => route.abort(), { times: 1 });
  await page.getByRole('group', { name: /^Laterality/ }).getByLabel('Right', { exact: true }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'The tag was not saved' })).toBeVisible();
  await expectPanel(page, third);

  // What was shown is what was saved.
  await page.reload();
  await expect(thumbs(page)).toHaveCount(3, { timeout: 30_000 });
  await expect(page.getByRole('button', { name: 'Use my phone' })).toBeEnabled(); // hydrated
  for (const [n, want] of [[2, third], [1, PARTIAL], [0, FULL]] as [number, Shown][]) {
    await thumbs(page).nth(n).click();
    await expect(thumbs(page).nth(n)).toHaveAttribute('aria-selected', 'true');
    await expectPanel(page, want);
  }
});

test('ticking photos for "Apply to selected": Space on a photo or its mark, never a control nested in the photo', async ({ page, request }) => {
  await openWidget(page, request, 'ZZZ0032');
  const img = Buffer.from(await jpegBase64(page, 400, 300), 'base64');
  await addFiles(page, [0, 1, 2].map((i) => ({ name: `t${i}.jpg`, buffer: img })));
  await expect(thumbs(page)).toHaveCount(3, { timeout: 20_000 });
  await expect(thumbs(page).first().locator('input, button, a, select, textarea')).toHaveCount(0);
  await thumbs(page).nth(0).click();
  await page.keyboard.press('Space');
  await expect(thumbs(page).nth(0)).toHaveAttribute('aria-checked', 'true');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Space');
  await expect(thumbs(page).nth(2)).toHaveAttribute('aria-checked', 'true');
  await expect(thumbs(page).nth(1)).toHaveAttribute('aria-checked', 'false');
  const apply = page.getByRole('button', { name: 'Apply to selected (2)' });
  await expect(apply).toBeEnabled();
  // The mark toggles too (and does not change the current photo).
  await thumbs(page).nth(2).locator('.tick').click();
  await expect(thumbs(page).nth(2)).toHaveAttribute('aria-checked', 'false');
  await expect(page.getByRole('button', { name: 'Apply to selected (1)' })).toBeEnabled();
  await tagCurrent(page, 'Forearm', 'Left', 'Lesion');
  await page.getByRole('button', { name: 'Apply to selected (1)' }).click();
  await expect(thumbs(page).filter({ hasText: 'Ready' })).toHaveCount(2);
});
