import sharp, { type Metadata, type SharpOptions } from 'sharp';

/**
 * Untrusted photo bytes in, a safe image out. The type comes from the content (magic bytes, then a
 * full decode), never from a file name or Content-Type; size is limited while reading, pixels
 * before decoding; the result is upright, has no metadata
 * (EXIF GPS, device, ICC) and is a fresh JPEG, so nothing of the upload's encoding reaches
 * storage or providers.
 */

export const PHOTO_MAX_BYTES = 10 * 1024 * 1024;
/** Admits the 48/50 MP modes of current phones; refuses decompression bombs (a 400 KB PNG can claim 20000×20000). */
export const PHOTO_MAX_PIXELS = 50_000_000;
/** The intake JPEG's long side: plenty for the portrait and the vision model, small enough to store. */
export const INTAKE_MAX_SIDE = 2048;

/**
 * The portrait used downstream (lip-sync, stitching): 720×1280, 9:16 like the final WhatsApp video,
 * cover-cropped around the most salient region (sharp's attention strategy favours skin tones),
 * JPEG at most 300 KB so providers fetch it quickly.
 */
export const PORTRAIT_WIDTH = 720;
export const PORTRAIT_HEIGHT = 1280;
export const PORTRAIT_MAX_BYTES = 300 * 1024;

export type ImageType = 'jpeg' | 'png' | 'webp';

export type PhotoIntakeCode = 'PHOTO_EMPTY' | 'PHOTO_TOO_LARGE' | 'PHOTO_UNSUPPORTED_TYPE' | 'PHOTO_CORRUPT' | 'PHOTO_TOO_MANY_PIXELS';

const MESSAGES: Record<PhotoIntakeCode, string> = {
  PHOTO_EMPTY: 'The photo is empty. Please take your selfie again.',
  PHOTO_TOO_LARGE: `The photo is larger than ${PHOTO_MAX_BYTES / 1024 / 1024} MB. Please upload a smaller photo.`,
  PHOTO_UNSUPPORTED_TYPE: 'The file is not a JPEG, PNG or WebP image. Please upload a photo.',
  PHOTO_CORRUPT: 'The photo could not be read; it may be damaged or incomplete. Please take it again.',
  PHOTO_TOO_MANY_PIXELS: `The photo has more than ${PHOTO_MAX_PIXELS / 1_000_000} megapixels. Please upload a smaller photo.`,
};

/** A photo refused at intake; `message` is meant for the user, `code` is stable for clients and logs. */
export class PhotoIntakeError extends Error {
  override readonly name = 'PhotoIntakeError';
  constructor(
    readonly code: PhotoIntakeCode,
    options?: { cause?: unknown },
  ) {
    super(MESSAGES[code], options);
  }
}

export type PhotoSource = Blob | Uint8Array | AsyncIterable<Uint8Array>;

/** Reads at most `maxBytes`; a longer source is refused as soon as the limit is crossed and is not read further. */
export async function readPhotoUpload(source: PhotoSource, maxBytes = PHOTO_MAX_BYTES): Promise<Buffer> {
  if (source instanceof Uint8Array) {
    if (source.byteLength > maxBytes) throw new PhotoIntakeError('PHOTO_TOO_LARGE');
    return Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  }
  if (source instanceof Blob && source.size > maxBytes) throw new PhotoIntakeError('PHOTO_TOO_LARGE');
  const chunks: Buffer[] = [];
  let total = 0;
  // Leaving the loop early cancels a web stream and destroys a Node stream.
  for await (const chunk of source instanceof Blob ? source.stream() : source) {
    total += chunk.byteLength;
    if (total > maxBytes) throw new PhotoIntakeError('PHOTO_TOO_LARGE');
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  return Buffer.concat(chunks, total);
}

/** The image type by magic bytes, or undefined for anything else (PDF, HEIC, GIF, text …). */
export function sniffImageType(bytes: Uint8Array): ImageType | undefined {
  const ascii = (start: number, end: number) => Buffer.from(bytes.subarray(start, end)).toString('latin1');
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (ascii(0, 8) === '\x89PNG\r\n\x1a\n') return 'png';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  return undefined;
}

/** How untrusted images are decoded: the pixel limit also guards sharp itself, and any decode error (truncation included) fails. */
export const SAFE_DECODE: SharpOptions = { limitInputPixels: PHOTO_MAX_PIXELS, failOn: 'error' };

export interface ImageHeader {
  type: ImageType;
  /** As stored, before EXIF orientation. */
  width: number;
  height: number;
}

/** Type and dimensions from the header alone: cheap, and refuses a pixel bomb before any decoding. */
export async function inspectPhoto(bytes: Buffer): Promise<ImageHeader> {
  if (bytes.byteLength === 0) throw new PhotoIntakeError('PHOTO_EMPTY');
  const type = sniffImageType(bytes);
  if (!type) throw new PhotoIntakeError('PHOTO_UNSUPPORTED_TYPE');
  let metadata: Metadata;
  try {
    // The header is read without the pixel limit so that an oversized image gets its own code.
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new PhotoIntakeError('PHOTO_CORRUPT', { cause: error });
  }
  const { format, width, height } = metadata;
  if (format !== type || !width || !height) throw new PhotoIntakeError('PHOTO_CORRUPT');
  if (width * height > PHOTO_MAX_PIXELS) throw new PhotoIntakeError('PHOTO_TOO_MANY_PIXELS');
  return { type, width, height };
}

export interface IntakePhoto {
  /** Upright, metadata-free JPEG, long side at most INTAKE_MAX_SIDE. */
  jpeg: Buffer;
  width: number;
  height: number;
  sourceType: ImageType;
}

/** Checks and fully decodes the bytes, then re-encodes them as an upright JPEG without metadata. */
export async function decodePhoto(bytes: Buffer): Promise<IntakePhoto> {
  const header = await inspectPhoto(bytes);
  try {
    const { data, info } = await sharp(bytes, SAFE_DECODE)
      .autoOrient()
      .resize({ width: INTAKE_MAX_SIDE, height: INTAKE_MAX_SIDE, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 88 })
      .toBuffer({ resolveWithObject: true });
    return { jpeg: data, width: info.width, height: info.height, sourceType: header.type };
  } catch (error) {
    throw new PhotoIntakeError('PHOTO_CORRUPT', { cause: error });
  }
}

/** An upload from the API or storage, read within the size limit and decoded. */
export async function intakePhoto(source: PhotoSource): Promise<IntakePhoto> {
  return decodePhoto(await readPhotoUpload(source));
}

/** The 720×1280 portrait (see PORTRAIT_WIDTH) from an intake JPEG; quality steps down until it fits PORTRAIT_MAX_BYTES. */
export async function renderPortrait(photo: Buffer): Promise<Buffer> {
  const frame = sharp(photo, SAFE_DECODE).resize(PORTRAIT_WIDTH, PORTRAIT_HEIGHT, { fit: 'cover', position: sharp.strategy.attention });
  let portrait = Buffer.alloc(0);
  for (const quality of [85, 75, 65, 55, 45]) {
    portrait = await frame.clone().jpeg({ quality }).toBuffer();
    if (portrait.byteLength <= PORTRAIT_MAX_BYTES) break;
  }
  return portrait;
}
