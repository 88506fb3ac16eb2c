// Browser-side preparation of a 12 MP phone photo (4032×3024, EXIF orientation 6, GPS) in
// headless Chromium: our WASM path vs the browser-image-compression npm package, same run.
import { test } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { jpegBase64, withExif } from '../support/images';

const RUNS = 7; // the first is a warm-up and not counted
// The comparison library is injected as a script; the page's CSP (rightly) refuses that.
test.use({ bypassCSP: true });

test('prepare a 12 MP photo', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'How do I open a patient?' }).isEnabled();
  const src = withExif(Buffer.from(await jpegBase64(page, 4032, 3024, 0.92), 'base64'), 6);
  await page.addScriptTag({ path: path.join(__dirname, '..', 'node_modules', 'browser-image-compression', 'dist', 'browser-image-compression.js') });
  // The bundle's script, by its name in this build (content-hashed in a release build).
  const pkg = path.join(__dirname, '..', '..', 'target', 'site', 'pkg');
  const script = '/pkg/' + fs.readdirSync(pkg).find((n) => /^clinical_images(\.[0-9a-f]+)?\.js$/.test(n));
  const result = await page.evaluate(async ([b64, runs, script]) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const file = new File([bytes], 'IMG_0001.jpg', { type: 'image/jpeg', lastModified: Date.now() });
    const mod: any = await import(script);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const ours: number[] = []; let oursOut: any = null;
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      oursOut = await mod.preparePhoto(file, 1920, 1_000_000);
      if (i > 0) ours.push(performance.now() - t);
    }
    const bic: number[] = []; let bicOut: Blob | null = null;
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      bicOut = await (window as any).imageCompression(file, { maxSizeMB: 0.95, maxWidthOrHeight: 1920, useWebWorker: false, initialQuality: 0.85 });
      if (i > 0) bic.push(performance.now() - t);
    }
    const dims = async (b: Blob) => { const bm = await createImageBitmap(b); const d = [bm.width, bm.height]; bm.close(); return d; };
    const exif = async (b: Blob) => new TextDecoder('latin1').decode(new Uint8Array(await b.slice(0, 4096).arrayBuffer())).includes('Exif');
    return {
      input: bytes.length,
      ours: { median: median(ours), min: Math.min(...ours), bytes: oursOut.blob.size, dims: [oursOut.width, oursOut.height], quality: oursOut.quality, exif: await exif(oursOut.blob) },
      bic: { median: median(bic), min: Math.min(...bic), bytes: bicOut!.size, dims: await dims(bicOut!), exif: await exif(bicOut!) },
    };
  }, [src.toString('base64'), RUNS, script] as [string, number, string]);
  const line = (name: string, r: any) =>
    `  ${name.padEnd(28)} median ${r.median.toFixed(0).padStart(5)} ms  min ${r.min.toFixed(0).padStart(5)} ms  ` +
    `${(r.bytes / 1024).toFixed(0)} KB  ${r.dims[0]}×${r.dims[1]}  EXIF ${r.exif ? 'kept' : 'gone'}` + (r.quality ? `  q${r.quality}` : '');
  console.log(`\nprepare benchmark: 4032×3024 JPEG, ${(result.input / 1024 / 1024).toFixed(2)} MB, orientation 6 + GPS; ${RUNS - 1} timed runs`);
  console.log(line('ours (WASM + browser codecs)', result.ours));
  console.log(line('browser-image-compression', result.bic));
});
