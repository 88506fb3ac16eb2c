// A page on another origin cannot act through the GP's browser: its form posts reach our server
// with the GP's cookie (same site: same host, another port), and are refused as cross-site.
import { test, expect } from '@playwright/test';
import { jpegBase64 } from '../support/images';
import { openWidget, addFiles, thumbs } from '../support/widget';

test('another origin cannot remove or commit a photo through the GP browser', async ({ page, context, request, baseURL }) => {
  await openWidget(page, request, 'ZZZ0024');
  const sid = new URL(page.url()).pathname.split('/').pop()!;
  await addFiles(page, [{ name: 'a.jpg', buffer: Buffer.from(await jpegBase64(page, 640, 480), 'base64') }]);
  await expect(thumbs(page)).toHaveCount(1, { timeout: 30_000 });
  const id: string = await page.evaluate(async (sid) => {
    const r = await fetch('/api/photos/list', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `sid=${sid}`,
    });
    return (await r.json())[0].id;
  }, sid);

  const ours = new URL(baseURL!);
  const evil = `http://${ours.hostname}:${Number(ours.port) + 1}/evil.html`;
  for (const endpoint of ['photos/remove', 'photos/commit']) {
    await context.route(evil, (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<!doctype html><form id="f" method="post" action="${ours.origin}/api/${endpoint}">
          <input name="sid" value="${sid}"><input name="id" value="${id}"><input name="resend_unknown" value="false">
          </form><script>document.getElementById('f').submit()</script>`,
      }),
    );
    const other = await context.newPage();
    const answer = other.waitForResponse((r) => r.url().endsWith(`/api/${endpoint}`));
    await other.goto(evil);
    const res = await answer;
    expect(res.status(), endpoint).toBe(403);
    expect(await res.text()).toContain('another site');
    await other.close();
    await context.unroute(evil);
  }
  // The photo is still there, still staged.
  await page.reload();
  await expect(thumbs(page)).toHaveCount(1);
  await expect(thumbs(page).first()).toContainText('Needs tags');
});
