import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { intakePhoto, PhotoIntakeError, type IntakePhoto, type PhotoIntakeCode } from '../../lib/media/image-intake.js';
import { ApiError, STATUS_TYPES } from './errors.js';

/** 413 for size, 415 for what is not a JPEG/PNG/WebP, 422 for a photo of the right type that cannot be used. */
const INTAKE_STATUS: Record<PhotoIntakeCode, ContentfulStatusCode> = {
  PHOTO_TOO_LARGE: 413,
  PHOTO_UNSUPPORTED_TYPE: 415,
  PHOTO_CORRUPT: 422,
  PHOTO_TOO_MANY_PIXELS: 422,
  PHOTO_EMPTY: 422,
};

/** An uploaded photo, checked by content and re-encoded; refusals become API errors with `details.code`. */
export async function acceptPhoto(photo: Blob): Promise<IntakePhoto> {
  try {
    return await intakePhoto(photo);
  } catch (error) {
    if (!(error instanceof PhotoIntakeError)) throw error;
    const status = INTAKE_STATUS[error.code];
    throw new ApiError(status, STATUS_TYPES[status] ?? 'Error', error.message, { code: error.code });
  }
}
