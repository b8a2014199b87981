import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

/** Test photos made in code: real encoders, real bytes, no fixtures on disk. */

/**
 * A textured image (gaussian noise, made at a quarter size and scaled up because sharp's noise
 * generator is slow): decodes, is not blank, compresses badly like a detailed photo.
 */
export function texturedImage(width: number, height: number) {
  const noise = { type: 'gaussian', mean: 128, sigma: 40 } as const;
  return sharp({ create: { width: Math.ceil(width / 4), height: Math.ceil(height / 4), channels: 3, background: '#808080', noise } })
    .resize(width, height, { kernel: 'cubic' });
}

/** One colour, nothing else: a lens cap, a wall. */
export function flatImage(width: number, height: number, colour = '#d0d0d0') {
  return sharp({ create: { width, height, channels: 3, background: colour } });
}

export const texturedJpeg = (width = 1200, height = 1600) => texturedImage(width, height).jpeg({ quality: 90 }).toBuffer();
export const texturedPng = (width = 800, height = 1000) => texturedImage(width, height).png().toBuffer();

/**
 * A landscape JPEG, red left half and blue right half, whose EXIF says "rotate 90° clockwise to
 * view" (orientation 6, as phones write portrait shots) and carries personal tags.
 */
export async function exifRotatedJpeg(): Promise<Buffer> {
  return sharp({ create: { width: 400, height: 200, channels: 3, background: '#ff0000' } })
    .composite([{ input: { create: { width: 200, height: 200, channels: 3, background: '#0000ff' } }, left: 200, top: 0 }])
    .jpeg()
    .withMetadata({ orientation: 6 })
    .withExifMerge({ IFD0: { Artist: 'Jane Doe', ImageDescription: '221B Baker Street' } })
    .toBuffer();
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

/**
 * A valid, complete black PNG of side×side pixels (1-bit greyscale, so 20000×20000 is ~50 MB of
 * raw rows that deflate to a few hundred KB): a decompression bomb well under the 10 MB upload limit.
 */
export function blackPng(side: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header[8] = 1; // bit depth
  header[9] = 0; // greyscale
  const rows = Buffer.alloc((Math.ceil(side / 8) + 1) * side); // filter byte 0 + zero bits per row
  return Buffer.concat([
    Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(rows, { level: 1 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A small but real PDF document. */
export function pdfDocument(): Buffer {
  return Buffer.from(
    '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n' +
      '3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
    'latin1',
  );
}

/** A stream of `chunkSize` chunks that never ends by itself (a chunked upload without Content-Length); counts what was pulled. */
export function endlessStream(chunkSize = 1024 * 1024) {
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      state.pulled += 1;
      controller.enqueue(new Uint8Array(chunkSize).fill(0xff));
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}
