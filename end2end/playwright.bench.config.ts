import { defineConfig } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromiumLaunch, repoRoot, serverFor } from './support/server';

// The release site's bundle is named by its content: the server is told the name (as
// `./dev serve --release` does).
const pkg = path.join(repoRoot, 'target', 'site', 'pkg');
const wasm = fs.existsSync(pkg) ? fs.readdirSync(pkg).find((n) => /^clinical_images\.[0-9a-f]+\.wasm$/.test(n)) : undefined;
const outputName = wasm ? wasm.replace(/\.wasm$/, '') : 'clinical_images';

// Benchmarks (not tests): a release build, its own ports. They print numbers.
const server = serverFor('bench', 3200, './target/release/clinical-images');
server.webServer.env = { ...server.webServer.env, LEPTOS_OUTPUT_NAME: outputName } as typeof server.webServer.env;
// The same build with the simulator answering like a practice's ALEX: 150 ms a round trip.
const slow = serverFor('bench-alex150', 3201, './target/release/clinical-images');
slow.webServer.env = { ...slow.webServer.env, LEPTOS_OUTPUT_NAME: outputName, SIMULATOR_LATENCY_MS: '150' } as typeof slow.webServer.env;

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
