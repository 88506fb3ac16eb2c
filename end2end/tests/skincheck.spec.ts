// A skin check: lesions marked on the body map (L1, L2, L3), two photos each, committed as
// photos in the record and as an Inbox-Scan PDF. The PDF is a report: the body map with three
// numbered markers and the lesion table first, then the six photos; the Media titles carry the
// lesion numbers.
import { test, expect, Page } from '@playwright/test';
import { PDFDocument, PDFName, PDFRawStream } from 'pdf-lib';
import { writeFileSync } from 'node:fs';
import { received } from '../support/sim';
import { shownStrings as shown } from '../support/pdf';
import { jpegBase64 } from '../support/images';
import { openWidget, addFiles, thumbs, commitAll } from '../support/widget';

async function mark(page: Page, region: string) {
  await page.getByRole('button', { name: 'Mark a lesion on the map' }).click();
  await expect(page.getByText('Now choose where the lesion is on the body map.')).toBeVisible();
  await page.getByRole('button', { name: region, exact: true }).click();
}

test('3 lesions with 2 photos each → one report PDF (map with 3 markers, lesion table, 6 photos); Media titles carry L1–L3', async ({ page, request }) => {
  await page.setViewportSize({ width: 1366, height: 768 });
  const docsBefore = (await received(request, 'DocumentReference')).length;
  const mediaBefore = (await received(request, 'Media')).length;
  await openWidget(page, request, 'ZZZ0024');
  const files = await Promise.all(
    [0, 1, 2, 3, 4, 5].map(async (i) => ({ name: `skin-${i}.jpg`, buffer: Buffer.from(await jpegBase64(page, 700 + i * 20, 500), 'base64') })),
  );
  await addFiles(page, files);
  await expect(thumbs(page)).toHaveCount(6, { timeout: 30_000 });

  // Every photo is a lesion photo; then the lesions are marked on the map.
  await thumbs(page).nth(0).click();
  await page.getByRole('group', { name: /^Image type/ }).getByLabel('Lesion', { exact: true }).check();
  await page.getByRole('button', { name: 'Apply these tags to all photos' }).click();
  await mark(page, 'Left forearm (front)');
  await mark(page, 'Right lower back (back)');
  await mark(page, 'Face (front)');
  const list = page.getByRole('list', { name: 'Lesions' });
  await expect(list.getByRole('listitem')).toHaveCount(3);
  await expect(list).toContainText('L1 Left forearm');
  await expect(list).toContainText('L2 Right lower back');
  await expect(list).toContainText('L3 Face');
  await page.getByLabel('Note for L1').fill('changing');
  await page.getByLabel('Note for L1').press('Tab');
  await page.getByLabel('Note for L3').fill('biopsy planned');
  await page.getByLabel('Note for L3').press('Tab');

  // Two photos per lesion: assigning copies the lesion's site and side.
  const lesionOf = ['L1 Left forearm', 'L1 Left forearm', 'L2 Right lower back', 'L2 Right lower back', 'L3 Face', 'L3 Face'];
  for (let i = 0; i < 6; i++) {
    await thumbs(page).nth(i).click();
    await expect(thumbs(page).nth(i)).toHaveAttribute('aria-selected', 'true');
    await page.getByLabel('This photo shows').selectOption({ label: lesionOf[i] });
    await expect(thumbs(page).nth(i)).toHaveAttribute('aria-label', new RegExp(`${lesionOf[i].slice(3)}.*Ready`, 'i'));
  }
  await expect(list).toContainText('L2 Right lower back · 2 photos');
  await expect(page.getByRole('button', { name: 'Left forearm (front)', exact: true })).toHaveAttribute('aria-pressed', 'false');
  await expect(page.getByLabel('Body site')).toHaveValue('Face');
  await page.locator('.map-field').screenshot({ path: test.info().outputPath('skin-lesions-map.png') });

  // Lesions survive a reload.
  await page.reload();
  await expect(thumbs(page)).toHaveCount(6, { timeout: 30_000 });
  await expect(page.getByRole('button', { name: 'Use my phone' })).toBeEnabled();
  await thumbs(page).nth(2).click();
  await expect(page.getByRole('list', { name: 'Lesions' }).getByRole('listitem')).toHaveCount(3);
  await expect(page.getByLabel('This photo shows')).toHaveValue(/.+/);
  await expect(page.getByLabel('Note for L1')).toHaveValue('changing');

  const dialog = await commitAll(page, 6);
  const targets = dialog.getByRole('group', { name: 'Save as' });
  await expect(targets.getByLabel(/Photos in the patient's record/)).toBeChecked();
  await targets.getByLabel(/^A PDF in the Inbox Scan folder/).check();
  await dialog.getByRole('button', { name: 'Commit' }).click();
  await expect(thumbs(page).filter({ hasText: 'Saved to Medtech' })).toHaveCount(6, { timeout: 60_000 });

  const docs = (await received(request, 'DocumentReference')).slice(docsBefore).filter((d) => d.status === 201);
  expect(docs).toHaveLength(1);
  const bytes = Buffer.from(docs[0].resource.content[0].attachment.data, 'base64');
  writeFileSync(test.info().outputPath('skin-report.pdf'), bytes);
  const pdf = await PDFDocument.load(bytes);
  expect(pdf.getPageCount()).toBe(7);
  let images = 0;
  for (const [, obj] of pdf.context.enumerateIndirectObjects()) {
    if (obj instanceof PDFRawStream && obj.dict.get(PDFName.of('Subtype')) === PDFName.of('Image')) images += 1;
  }
  expect(images).toBe(6);
  const pageText = (n: number) => {
    const contents = pdf.getPages()[n].node.Contents() as PDFRawStream;
    return shown(Buffer.from(contents.contents).toString('latin1'));
  };
  const first = pageText(0);
  expect(first).toContain('Skin check \x97 body map and lesions');
  for (const l of ['L1', 'L2', 'L3']) {
    expect(first.filter((s) => s === l), `${l}: one marker and one table row`).toHaveLength(2);
  }
  for (const cell of ['Lesion', 'Site', 'Side', 'Photos', 'Note', 'Forearm', 'Lower back', 'Face', 'Left', 'Right', 'changing', 'biopsy planned', '2']) {
    expect(first, cell).toContain(cell);
  }
  expect(first.join('\n')).toContain('ZZZ0024');
  expect(first.join('\n')).toContain('page 1 of 7');
  // Then each lesion's photos in turn, their titles numbered, identity on every page.
  for (let n = 1; n <= 6; n++) {
    const text = pageText(n).join('\n');
    expect(text).toContain('ZZZ0024');
    expect(text).toContain(`L${Math.ceil(n / 2)} `);
  }

  const media = (await received(request, 'Media')).slice(mediaBefore).filter((m) => m.status === 201);
  const titles = media.map((m) => m.resource.content.title as string).sort();
  expect(titles).toHaveLength(6);
  expect(titles.filter((t) => t.startsWith('L1 Left forearm — lesion — changing — '))).toHaveLength(2);
  expect(titles.filter((t) => t.startsWith('L2 Right lower back — lesion — '))).toHaveLength(2);
  expect(titles.filter((t) => t.startsWith('L3 Face — lesion — biopsy planned — '))).toHaveLength(2);
});
