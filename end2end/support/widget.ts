// Opening the widget as a GP does: launch through /launch, then record consent.
import { APIRequestContext, Page, expect } from '@playwright/test';
import { launchFor } from './sim';

export async function recordConsent(page: Page, kind = 'Verbal consent') {
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
