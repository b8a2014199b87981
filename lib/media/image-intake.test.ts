import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import {
  blackPng,
  endlessStream,
  exifRotatedJpeg,
  pdfDocument,
  texturedImage,
  texturedJpeg,
  texturedPng,
} from '../../test/support/images.js';
import {
  INTAKE_MAX_SIDE,
  intakePhoto,
  PHOTO_MAX_BYTES,
  PhotoIntakeError,
  PORTRAIT_HEIGHT,
  PORTRAIT_MAX_BYTES,
  PORTRAIT_WIDTH,
  readPhotoUpload,
  renderPortrait,
  type PhotoIntakeCode,
} from './image-intake.js';

/** A browser upload: the name and declared type are whatever the client says. */
const upload = (bytes: Buffer, name: string, type = 'image/jpeg') => new File([new Uint8Array(bytes)], name, { type });

async function refused(promise: Promise<unknown>, code: PhotoIntakeCode) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof PhotoIntakeError, `expected PhotoIntakeError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.ok(error.message.length > 20, 'the message is meant for the user');
    return true;
  });
}

describe('image intake', () => {
  it('accepts a PNG named .jpg and re-encodes it as JPEG', async () => {
    const photo = await intakePhoto(upload(await texturedPng(800, 1000), 'selfie.jpg'));
    assert.equal(photo.sourceType, 'png');
    assert.equal((await sharp(photo.jpeg).metadata()).format, 'jpeg');
    assert.deepEqual([photo.width, photo.height], [800, 1000]);
  });

  it('accepts WebP', async () => {
    const webp = await texturedImage(640, 480).webp().toBuffer();
    const photo = await intakePhoto(upload(webp, 'selfie.png', 'image/png'));
    assert.equal(photo.sourceType, 'webp');
  });

  it('refuses a PDF named .jpg', async () => {
    await refused(intakePhoto(upload(pdfDocument(), 'selfie.jpg')), 'PHOTO_UNSUPPORTED_TYPE');
  });

  it('refuses GIF and text, whatever they are called', async () => {
    const gif = await texturedImage(64, 64).gif().toBuffer();
    await refused(intakePhoto(upload(gif, 'selfie.jpg')), 'PHOTO_UNSUPPORTED_TYPE');
    await refused(intakePhoto(Buffer.from('<html>not a photo</html>')), 'PHOTO_UNSUPPORTED_TYPE');
  });

  it('refuses a truncated JPEG', async () => {
    const jpeg = await texturedJpeg();
    await refused(intakePhoto(jpeg.subarray(0, Math.floor(jpeg.length * 0.6))), 'PHOTO_CORRUPT');
  });

  it('refuses a JPEG whose header is cut off', async () => {
    const jpeg = await texturedJpeg();
    await refused(intakePhoto(jpeg.subarray(0, 64)), 'PHOTO_CORRUPT');
  });

  it('refuses a 20000×20000 PNG from its header, without decoding it', async () => {
    const bomb = blackPng(20_000);
    assert.ok(bomb.length < PHOTO_MAX_BYTES, 'the bomb itself is a small upload');
    await refused(intakePhoto(upload(bomb, 'selfie.png', 'image/png')), 'PHOTO_TOO_MANY_PIXELS');
    // Same header, garbage pixel data: still refused for its pixels, so the pixel data was never inflated.
    const idat = bomb.indexOf('IDAT', 0, 'latin1');
    const garbage = Buffer.from(bomb);
    garbage.fill(0x5a, idat + 4, idat + 4 + 1024);
    await refused(intakePhoto(garbage), 'PHOTO_TOO_MANY_PIXELS');
  });

  it('refuses an empty upload', async () => {
    await refused(intakePhoto(upload(Buffer.alloc(0), 'selfie.jpg')), 'PHOTO_EMPTY');
  });

  it('refuses more than 10 MB, and accepts exactly 10 MB of bytes', async () => {
    await refused(intakePhoto(upload(Buffer.alloc(PHOTO_MAX_BYTES + 1), 'selfie.jpg')), 'PHOTO_TOO_LARGE');
    assert.equal((await readPhotoUpload(upload(Buffer.alloc(PHOTO_MAX_BYTES), 'selfie.jpg'))).length, PHOTO_MAX_BYTES);
  });

  it('stops reading a chunked stream of unknown length at 10 MB', async () => {
    const { stream, state } = endlessStream(1024 * 1024);
    await refused(readPhotoUpload(stream), 'PHOTO_TOO_LARGE');
    assert.ok(state.pulled <= 12, `pulled ${state.pulled} MB`);
    assert.ok(state.cancelled, 'the stream is cancelled, not drained');
  });

  it('turns an EXIF-rotated photo upright and strips its metadata', async () => {
    const photo = await intakePhoto(await exifRotatedJpeg());
    assert.deepEqual([photo.width, photo.height], [200, 400], 'portrait after applying orientation 6');
    const metadata = await sharp(photo.jpeg).metadata();
    assert.equal(metadata.orientation, undefined);
    assert.equal(metadata.exif, undefined);
    assert.equal(metadata.icc, undefined);
    assert.equal(metadata.xmp, undefined);
    assert.ok(!photo.jpeg.includes('Jane Doe') && !photo.jpeg.includes('Baker Street'));
    // Orientation 6 brings the stored left (red) half to the top.
    const pixel = async (top: number) => {
      const { data } = await sharp(photo.jpeg).extract({ left: 100, top, width: 1, height: 1 }).raw().toBuffer({ resolveWithObject: true });
      return [...data];
    };
    const [red, , blue] = await pixel(50);
    assert.ok(red! > 200 && blue! < 50, 'top is red');
    const [red2, , blue2] = await pixel(350);
    assert.ok(red2! < 50 && blue2! > 200, 'bottom is blue');
  });

  it('caps the intake JPEG at 2048 px on the long side', async () => {
    const photo = await intakePhoto(await texturedJpeg(4000, 3000));
    assert.deepEqual([photo.width, photo.height], [INTAKE_MAX_SIDE, 1536]);
  });

  it('renders the portrait at 720×1280 within the byte budget, also from a landscape photo', async () => {
    for (const source of [await texturedJpeg(1200, 1600), await texturedJpeg(1600, 900)]) {
      const portrait = await renderPortrait((await intakePhoto(source)).jpeg);
      const metadata = await sharp(portrait).metadata();
      assert.equal(metadata.format, 'jpeg');
      assert.deepEqual([metadata.width, metadata.height], [PORTRAIT_WIDTH, PORTRAIT_HEIGHT]);
      assert.ok(portrait.length <= PORTRAIT_MAX_BYTES, `${portrait.length} bytes`);
    }
  });
});
