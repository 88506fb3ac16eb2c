// Test photos made in the browser: a photo-like picture (gradients + noise) as a JPEG, with an
// EXIF block (orientation, GPS) spliced in as a phone writes it.
import { Page } from '@playwright/test';

export async function jpegBase64(page: Page, width: number, height: number, quality = 0.92): Promise<string> {
  return page.evaluate(async ([w, h, q]) => {
    const c = new OffscreenCanvas(w, h);
    const ctx = c.getContext('2d')!;
    const g = ctx.createLinearGradient(0, 0, w, h);
    g.addColorStop(0, '#c98b6b'); g.addColorStop(0.5, '#e0b49a'); g.addColorStop(1, '#8a5a44');
    ctx.fillStyle = g; ctx.fillRect(0, 0, w, h);
    // A dark "lesion" in the upper-left quadrant, so orientation is visible in pixels.
    ctx.fillStyle = '#3b1f14'; ctx.beginPath(); ctx.ellipse(w * 0.25, h * 0.25, w * 0.08, h * 0.06, 0.3, 0, Math.PI * 2); ctx.fill();
    const img = ctx.getImageData(0, 0, w, h);
    let seed = 12345;
    for (let i = 0; i < img.data.length; i += 4) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const n = (seed % 41) - 20;
      img.data[i] += n; img.data[i + 1] += n; img.data[i + 2] += n;
    }
    ctx.putImageData(img, 0, 0);
    const blob = await c.convertToBlob({ type: 'image/jpeg', quality: q });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let s = ''; for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  }, [width, height, quality] as [number, number, number]);
}

/** Inserts an APP1 Exif segment with Orientation and a GPS IFD (lat/long) after SOI. */
export function withExif(jpeg: Buffer, orientation: number): Buffer {
  const tiff: number[] = [0x4d, 0x4d, 0, 42, 0, 0, 0, 8];
  // IFD0: 2 entries (Orientation, GPSInfo pointer), next IFD 0.
  const ifd0 = 8, gpsIfd = ifd0 + 2 + 2 * 12 + 4;
  tiff.push(0, 2);
  tiff.push(0x01, 0x12, 0, 3, 0, 0, 0, 1, (orientation >> 8) & 0xff, orientation & 0xff, 0, 0);
  tiff.push(0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, gpsIfd);
  tiff.push(0, 0, 0, 0);
  // GPS IFD: LatitudeRef 'S', Latitude 41/1 17/1 0/1 (rationals at offset after IFD).
  const ratOffset = gpsIfd + 2 + 2 * 12 + 4;
  tiff.push(0, 2);
  tiff.push(0, 1, 0, 2, 0, 0, 0, 2, 0x53, 0, 0, 0);
  tiff.push(0, 2, 0, 5, 0, 0, 0, 3, 0, 0, 0, ratOffset);
  tiff.push(0, 0, 0, 0);
  for (const [n, d] of [[41, 1], [17, 1], [0, 1]]) tiff.push(0, 0, 0, n, 0, 0, 0, d);
  const app1 = Buffer.concat([Buffer.from('Exif\0\0', 'binary'), Buffer.from(tiff)]);
  const len = app1.length + 2;
  return Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xe1, len >> 8, len & 0xff]), app1, jpeg.subarray(2)]);
}

/** True when any header segment before the image data is APP1 (Exif/XMP) or carries "Exif". */
export function hasExif(bytes: Buffer): boolean {
  let i = 2;
  while (i + 4 < bytes.length && bytes[i] === 0xff) {
    const marker = bytes[i + 1];
    if (marker === 0xda) break; // start of scan: header over
    const len = bytes.readUInt16BE(i + 2);
    if (marker === 0xe1) return true;
    if (bytes.subarray(i + 4, i + 2 + len).includes(Buffer.from('Exif', 'binary'))) return true;
    i += 2 + len;
  }
  return false;
}

/** Width and height from a JPEG's SOF marker. */
export function jpegSize(bytes: Buffer): { width: number; height: number } {
  let i = 2;
  while (i < bytes.length) {
    if (bytes[i] !== 0xff) { i++; continue; }
    const marker = bytes[i + 1];
    const len = bytes.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xc3) return { height: bytes.readUInt16BE(i + 5), width: bytes.readUInt16BE(i + 7) };
    i += 2 + len;
  }
  throw new Error('no SOF marker');
}
