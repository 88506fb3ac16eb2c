import { defineConfig } from '@playwright/test';
import { chromiumLaunch, serverFor } from './support/server';

// One freshly built server (target/debug/clinical-images) on its own port and data directory.
// E2E_PORT moves it (two checkouts testing at once on one machine).
const server = serverFor('e2e', Number(process.env.E2E_PORT ?? 3100));

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: '../target/e2e/results',
  use: {
    baseURL: server.url,
    trace: 'retain-on-failure',
    launchOptions: chromiumLaunch,
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: server.webServer,
});
