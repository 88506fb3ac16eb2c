import { defineConfig } from '@playwright/test';
import { chromiumLaunch, serverFor } from './support/server';

// Benchmarks (not tests): a release build, its own ports. They print numbers.
const server = serverFor('bench', 3200, './target/release/clinical-images');
// The same build with the simulator answering like a practice's ALEX: 150 ms a round trip.
const slow = serverFor('bench-alex150', 3201, './target/release/clinical-images');
slow.webServer.env = { ...slow.webServer.env, SIMULATOR_LATENCY_MS: '150' } as typeof slow.webServer.env;

export default defineConfig({
  testDir: './bench',
  testMatch: '**/*.bench.ts',
  timeout: 600_000,
  workers: 1,
  reporter: [['list']],
  outputDir: '../target/e2e/bench-results',
  use: { baseURL: server.url, launchOptions: chromiumLaunch },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: [server.webServer, slow.webServer],
});
