// How Playwright starts our server and Debian's Chromium. Never `npx playwright install`:
// only package registries are reachable here, so the browser is /usr/bin/chromium.
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');

export const chromiumLaunch = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
  ],
};

/** A server process for one suite: its own port, data directory and log file. */
export function serverFor(name: string, port: number, binary = './target/debug/clinical-images') {
  // Cleaned by the server command itself: this config is evaluated again in every worker
  // process, which must not delete the running server's data and log.
  const dir = path.join(repoRoot, 'target', 'e2e', name);
  const log = path.join(dir, 'server.log');
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    dataDir: path.join(dir, 'data'),
    log,
    webServer: {
      command: `rm -rf '${dir}' && mkdir -p '${dir}' && exec ${binary} >> '${log}' 2>&1`,
      cwd: repoRoot,
      url: `${url}/readyz`,
      reuseExistingServer: false,
      timeout: 60_000,
      env: {
        APP_CONFIG: path.join(repoRoot, 'Leptos.toml'),
        APP_DATA_DIR: path.join(dir, 'data'),
        APP_LOG_FORMAT: 'json',
        // One browser on one address launches hundreds of sessions in a run.
        APP_LAUNCH_LIMIT_PER_ADDRESS: '100000',
        // Every commit target on, so the confirmation offers each (the shipped default has two).
        APP_COMMIT_TARGETS: 'media,scan_pdf,scan_tiff',
        // The follow-up task (off by default) on, so the confirmation offers it (task.spec.ts).
        APP_FOLLOW_UP_TASKS: 'true',
        LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
        LEPTOS_SITE_ROOT: 'target/site',
        LEPTOS_ENV: 'PROD',
        RUST_LOG: 'info',
      },
    },
  };
}
