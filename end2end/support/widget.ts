// Opening the widget as a GP does: launch through /launch, then record consent.
import { APIRequestContext, FrameLocator, Page, expect } from '@playwright/test';
import { launchFor } from './sim';

export async function recordConsent(page: Page | FrameLocator, kind = 'Verbal consent') {
  await page.getByRole('group', { name: 'How did the patient consent?' }).getByLabel(kind).check();
  await page.getByRole('button', { name: 'Record consent' }).click();
  await expect(page.getByRole('button', { name: 'Add photos' })).toBeEnabled();
}

export async function openWidget(page: Page, request: APIRequestContext, nhi: string) {
  const l = await launchFor(request, nhi);
  await page.goto(l.url);
  await expect(page).toHaveURL(/\/w\/[A-Za-z0-9_-]{43}$/);
  await recordConsent(page);
  return l;
}

export async function addFiles(page: Page, files: { name: string; buffer: Buffer }[]) {
  await page.getByLabel('Choose photo files').setInputFiles(files.map((f) => ({ ...f, mimeType: 'image/jpeg' })));
}

export async function dropFile(page: Page, name: string, buffer: Buffer) {
  const dt = await page.evaluateHandle(([b64, n]) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], n, { type: 'image/jpeg' }));
    return dt;
  }, [buffer.toString('base64'), name] as [string, string]);
  await page.dispatchEvent('section.photo-strip', 'drop', { dataTransfer: dt });
}

export function thumbs(page: Page) {
  return page.getByRole('listbox', { name: 'Photos for this patient' }).getByRole('option');
}

export async function tagCurrent(page: Page | FrameLocator, site: string, side: string, type: string) {
  const site_ = page.getByLabel('Body site');
  await site_.fill(site);
  await site_.press('Tab');
  await page.getByRole('group', { name: /Laterality/ }).getByLabel(side, { exact: true }).check();
  await page.getByRole('group', { name: /Image type/ }).getByLabel(type, { exact: true }).check();
}

export async function commitAll(page: Page, count: number) {
  await page.getByRole('button', { name: `Commit all ready photos (${count})` }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Commit photos to Medtech' });
  await expect(dialog).toBeVisible();
  return dialog;
}
