// The Inbox-Scan path: the GP chooses "PDF in the Inbox Scan folder" at commit time and Medtech
// receives one DocumentReference whose PDF opens, holds every photo and prints the tags in words.
import { test, expect } from '@playwright/test';
import { PDFDocument, PDFName, PDFRawStream } from 'pdf-lib';
import { received } from '../support/sim';
import { shownStrings } from '../support/pdf';
import { jpegBase64 } from '../support/images';
import { openWidget, addFiles, thumbs, tagCurrent, commitAll } from '../support/widget';

/** Parses the PDF (pdf-lib) and answers its pages, image count and the text of its content streams. */
async function openPdf(bytes: Buffer) {
  const pdf = await PDFDocument.load(bytes);
  let images = 0;
  let text = '';
  for (const [, obj] of pdf.context.enumerateIndirectObjects()) {
    if (!(obj instanceof PDFRawStream)) continue;
    const subtype = obj.dict.get(PDFName.of('Subtype'));
    if (subtype === PDFName.of('Image')) images += 1;
    else if (!obj.dict.get(PDFName.of('Filter'))) text += shownText(Buffer.from(obj.contents).toString('latin1'));
  }
  return { pages: pdf.getPageCount(), images, text };
}

function shownText(stream: string) {
  return shownStrings(stream).join('\n');
}

test('3 tagged photos committed as a Scan PDF → one DocumentReference whose PDF has 3 images and the tags', async ({ page, request }) => {
  const before = (await received(request, 'DocumentReference')).length;
  const l = await openWidget(page, request, 'ZZZ0016');
  const files = await Promise.all(
    [0, 1, 2].map(async (i) => ({ name: `scan-${i}.jpg`, buffer: Buffer.from(await jpegBase64(page, 900 + i * 40, 700), 'base64') })),
  );
  await addFiles(page, files);
  await expect(thumbs(page)).toHaveCount(3, { timeout: 30_000 });
  await thumbs(page).nth(0).click();
  await tagCurrent(page, 'Forearm', 'Left', 'Lesion');
  await page.getByRole('button', { name: 'Apply these tags to all photos' }).click();
  await expect(thumbs(page).filter({ hasText: 'Ready' })).toHaveCount(3);

  const dialog = await commitAll(page, 3);
  const targets = dialog.getByRole('group', { name: 'Save as' });
  await expect(targets.getByLabel(/Photos in the patient's record/)).toBeChecked();
  // Nothing chosen: nothing can be sent, and the dialog says why.
  await targets.getByLabel(/Photos in the patient's record/).uncheck();
  await expect(dialog.getByRole('button', { name: 'Commit' })).toBeDisabled();
  await expect(dialog).toContainText('Choose at least one place to save the photos.');
  await targets.getByLabel(/^A PDF in the Inbox Scan folder/).check();
  await expect(dialog).toContainText('as a PDF in the Inbox Scan folder');
  await dialog.getByRole('button', { name: 'Commit' }).click();
  await expect(thumbs(page).filter({ hasText: 'Saved to Medtech' })).toHaveCount(3, { timeout: 30_000 });

  const docs = (await received(request, 'DocumentReference')).slice(before);
  expect(docs).toHaveLength(1);
  const doc = docs[0];
  expect(doc.status).toBe(201);
  expect(doc.resource.type.coding[0].code).toBe('72170-4');
  expect(doc.resource.status).toBe('current');
  expect(doc.resource.subject.reference).toBe(`Patient/${l.patient.id}`);
  expect(doc.resource.author[0].reference).toBe(`Practitioner/${l.practitioner.id}`);
  const bytes = Buffer.from(doc.resource.content[0].attachment.data, 'base64');
  expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
  const pdf = await openPdf(bytes);
  expect(pdf.images).toBe(3);
  expect(pdf.pages).toBe(3);
  for (const words of ['Left forearm', 'lesion', 'SNOMED CT', 'ZZZ0016', l.patient.family, 'Verbal consent']) {
    expect(pdf.text, words).toContain(words);
  }
  // No Media was written for these photos.
  const media = (await received(request, 'Media')).filter((m) => m.resource?.subject?.reference === `Patient/${l.patient.id}`);
  const ids = new Set(doc.resource.identifier.map((i: any) => i.value));
  expect(media.filter((m) => ids.has(m.resource.identifier[0].value))).toHaveLength(0);
});

test('All three targets at once: one PDF for the batch, one Media and one TIFF per photo', async ({ page, request }) => {
  const docsBefore = (await received(request, 'DocumentReference')).length;
  const mediaBefore = (await received(request, 'Media')).length;
  await openWidget(page, request, 'ZZZ0024');
  const files = await Promise.all(
    [0, 1].map(async (i) => ({ name: `both-${i}.jpg`, buffer: Buffer.from(await jpegBase64(page, 800 + i * 40, 600), 'base64') })),
  );
  await addFiles(page, files);
  await expect(thumbs(page)).toHaveCount(2, { timeout: 30_000 });
  await thumbs(page).nth(0).click();
  await tagCurrent(page, 'Forearm', 'Right', 'Rash');
  await page.getByRole('button', { name: 'Apply these tags to all photos' }).click();
  const dialog = await commitAll(page, 2);
  const choices = dialog.getByRole('group', { name: 'Save as' });
  await choices.getByLabel(/^A PDF in the Inbox Scan folder/).check();
  await choices.getByLabel(/^Images in the Inbox Scan folder/).check();
  await expect(choices.getByLabel(/Photos in the patient's record/)).toBeChecked();
  await expect(dialog).toContainText(
    'as photos in the record, as a PDF in the Inbox Scan folder and as images (TIFF) in the Inbox Scan folder',
  );
  await dialog.getByRole('button', { name: 'Commit' }).click();
  await expect(thumbs(page).filter({ hasText: 'Saved to Medtech' })).toHaveCount(2, { timeout: 30_000 });
  const docs = (await received(request, 'DocumentReference')).slice(docsBefore).filter((r) => r.status === 201);
  const media = (await received(request, 'Media')).slice(mediaBefore).filter((r) => r.status === 201);
  const pdfs = docs.filter((d) => d.resource.content[0].attachment.contentType === 'application/pdf');
  const tiffs = docs.filter((d) => d.resource.content[0].attachment.contentType === 'image/tiff');
  expect(pdfs).toHaveLength(1);
  expect(tiffs).toHaveLength(2);
  expect(media).toHaveLength(2);
  // One Media per photo, and each photo's TIFF is its own document.
  expect(new Set(media.map((m) => m.resource.identifier[0].value)).size).toBe(2);
  expect(new Set(tiffs.map((t) => t.resource.identifier[0].value)).size).toBe(2);
  const pdf = await openPdf(Buffer.from(pdfs[0].resource.content[0].attachment.data, 'base64'));
  expect(pdf.images).toBe(2);
  expect(pdf.text).toContain('Right forearm');
});

test('"Images in the Inbox Scan folder" sends one JPEG-in-TIFF DocumentReference per photo', async ({ page, request }) => {
  const before = (await received(request, 'DocumentReference')).length;
  const l = await openWidget(page, request, 'ZZZ0032');
  const files = await Promise.all(
    [0, 1].map(async (i) => ({ name: `tiff-${i}.jpg`, buffer: Buffer.from(await jpegBase64(page, 800 + i * 40, 600), 'base64') })),
  );
  await addFiles(page, files);
  await expect(thumbs(page)).toHaveCount(2, { timeout: 30_000 });
  await thumbs(page).nth(0).click();
  await tagCurrent(page, 'Forearm', 'Left', 'Lesion');
  await page.getByRole('button', { name: 'Apply these tags to all photos' }).click();
  const dialog = await commitAll(page, 2);
  await dialog.getByRole('group', { name: 'Save as' }).getByLabel(/Photos in the patient's record/).uncheck();
  await dialog.getByRole('group', { name: 'Save as' }).getByLabel(/^Images in the Inbox Scan folder/).check();
  await expect(dialog).toContainText('as images (TIFF) in the Inbox Scan folder');
  await dialog.getByRole('button', { name: 'Commit' }).click();
  await expect(thumbs(page).filter({ hasText: 'Saved to Medtech' })).toHaveCount(2, { timeout: 30_000 });
  const docs = (await received(request, 'DocumentReference')).slice(before).filter((r) => r.status === 201);
  expect(docs).toHaveLength(2);
  for (const doc of docs) {
    expect(doc.resource.subject.reference).toBe(`Patient/${l.patient.id}`);
    expect(doc.resource.author[0].reference).toBe(`Practitioner/${l.practitioner.id}`);
    const att = doc.resource.content[0].attachment;
    expect(att.contentType).toBe('image/tiff');
    const bytes = Buffer.from(att.data, 'base64');
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('II*\0');
    expect(bytes.length).toBeLessThanOrEqual(1_000_000);
    // The photo's JPEG stream is inside, not raw pixels.
    expect(bytes.indexOf(Buffer.from([0xff, 0xd8, 0xff]))).toBeGreaterThan(8);
  }
});
