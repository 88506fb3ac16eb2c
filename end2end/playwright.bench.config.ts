import { defineConfig } from '@playwright/test';
import { chromiumLaunch, serverFor } from './support/server';

// Benchmarks (not tests): a release build, its own port. They print numbers.
const server = serverFor('bench', 3200, './target/release/clinical-images');

export default defineConfig({
  testDir: './bench',
  testMatch: '**/*.bench.ts',
  timeout: 300_000,
  workers: 1,
  reporter: [['list']],
  outputDir: '../target/e2e/bench-results',
  use: { baseURL: server.url, launchOptions: chromiumLaunch },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: server.webServer,
});
