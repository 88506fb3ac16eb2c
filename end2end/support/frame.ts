// Medtech Evolution's embedded pane, as a test sees it: the widget in a same-origin frame of a
// given size (CSP frame-ancestors 'self'), at the host page's top left.
import { FrameLocator, Page } from '@playwright/test';

export async function embed(page: Page, src: string, width: number, height: number): Promise<FrameLocator> {
  await page.evaluate(
    ([s, w, h]) => {
      document.body.style.margin = '0';
      document.body.innerHTML = `<iframe title="Clinical Images" src="${s}" width="${w}" height="${h}" style="border:0;display:block"></iframe>`;
    },
    [src, width, height] as [string, number, number],
  );
  return page.frameLocator('iframe[title="Clinical Images"]');
}
