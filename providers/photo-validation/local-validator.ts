import sharp from 'sharp';
import { inspectPhoto, PhotoIntakeError, SAFE_DECODE } from '../../lib/media/image-intake.js';
import type { PhotoValidator, PhotoVerdict } from '../ports.js';

/**
 * Offline photo validation for development: real checks of whether the bytes are a usable
 * picture (decodes by content, within the pixel limit, big enough, not blank), and no judgement
 * of faces or content. Every reason says it was a local check, so nobody mistakes it for review.
 */

/** Below this the 720×1280 portrait is a blur of upscaled pixels. */
export const LOCAL_MIN_SHORT_SIDE = 256;
/**
 * Standard deviation of grey levels (0–255) below which a photo is one flat colour: sensor noise
 * on a covered lens or a blank wall stays in single digits; a face in frame varies far more.
 */
export const LOCAL_MIN_GREY_STDEV = 10;

const NO_USAGE = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };

const verdict = (label: PhotoVerdict['label'], reason: string): PhotoVerdict => ({ label, reason, usage: NO_USAGE, validator: 'local' });
const rejected = (why: string) => verdict('REJECT_INVALID', `Local check (no AI review): ${why}`);

function greyStdev(pixels: Buffer): number {
  let sum = 0;
  let squares = 0;
  for (const value of pixels) {
    sum += value;
    squares += value * value;
  }
  const mean = sum / pixels.length;
  return Math.sqrt(Math.max(0, squares / pixels.length - mean * mean));
}

export function createLocalPhotoValidator(): PhotoValidator {
  return {
    name: 'local',
    async validate(image): Promise<PhotoVerdict> {
      let width: number;
      let height: number;
      try {
        ({ width, height } = await inspectPhoto(image));
      } catch (error) {
        if (error instanceof PhotoIntakeError) return rejected(error.message);
        throw error;
      }
      if (Math.min(width, height) < LOCAL_MIN_SHORT_SIDE) {
        return rejected(`the photo is ${width}×${height} px; a selfie needs at least ${LOCAL_MIN_SHORT_SIDE} px on its short side.`);
      }
      let pixels: Buffer;
      try {
        pixels = await sharp(image, SAFE_DECODE).resize(256, 256, { fit: 'inside' }).greyscale().raw().toBuffer();
      } catch (error) {
        return rejected(new PhotoIntakeError('PHOTO_CORRUPT', { cause: error }).message);
      }
      if (greyStdev(pixels) < LOCAL_MIN_GREY_STDEV) {
        return rejected('the photo is a single flat colour (a covered lens or a blank wall?).');
      }
      return verdict('APPROVED', `Local check only (no AI review of faces or content): the photo decodes, is ${width}×${height} px and is not blank.`);
    },
  };
}
