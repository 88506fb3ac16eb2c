import { test, expect } from '@playwright/test';

test.describe('widget shell', () => {
  test('renders on the server: the shell is there with JavaScript disabled', async ({ browser, baseURL }) => {
    const context = await browser.newContext({ javaScriptEnabled: false, baseURL });
    const page = await context.newPage();
    const res = await page.goto('/');
    expect(res?.status()).toBe(200);
    await expect(page.getByRole('heading', { level: 1, name: 'Clinical Images' })).toBeVisible();
    await expect(page.getByRole('region', { name: 'Patient', exact: true })).toContainText('No patient selected');
    await expect(page.getByRole('region', { name: 'Photos', exact: true })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'No patient context' })).toBeVisible();
    // Without WASM the hydration-only control stays disabled rather than silently dead.
    await expect(page.getByRole('button', { name: 'How do I open a patient?' })).toBeDisabled();
    await context.close();
  });

  test('hydrates: the hydration-only control works, with no console errors', async ({ page }) => {
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto('/');
    const help = page.getByRole('button', { name: 'How do I open a patient?' });
    await expect(help).toBeEnabled();
    await expect(help).toHaveAttribute('aria-expanded', 'false');
    await help.click();
    await expect(help).toHaveAttribute('aria-expanded', 'true');
    await expect(page.getByText('Click the Clinical Images icon')).toBeVisible();
    // Keyboard works too.
    await help.press('Enter');
    await expect(help).toHaveAttribute('aria-expanded', 'false');
    expect(errors).toEqual([]);
  });

  test('shows the simulator warning when no ALEX credentials are configured', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByRole('status').filter({ hasText: 'Simulator — not connected to Medtech' })).toBeVisible();
  });

  test('sends the framing policy and security headers', async ({ request }) => {
    const res = await request.get('/');
    expect(res.headers()['content-security-policy']).toContain('frame-ancestors');
    expect(res.headers()['x-content-type-options']).toBe('nosniff');
    expect(res.headers()['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('unknown pages answer 404 with the frame', async ({ page }) => {
    const res = await page.goto('/no/such/page');
    expect(res?.status()).toBe(404);
    await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  });
});

test.describe('probes', () => {
  test('/healthz and /readyz answer', async ({ request }) => {
    const live = await request.get('/healthz');
    expect(live.status()).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
    const ready = await request.get('/readyz');
    expect(ready.status()).toBe(200);
    expect((await ready.json()).status).toBe('ready');
  });
});
