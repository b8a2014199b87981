import { randomUUID } from 'node:crypto';
import { readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import sharp from 'sharp';
import type { Config } from '../../lib/config.js';
import { SAFE_DECODE, sniffImageType } from '../../lib/media/image-intake.js';
import type { ActivityProgress, ImageGenerator } from '../ports.js';
import { PredictionsClient, type PredictionsApiOptions } from '../predictions/client.js';
import { ProviderError } from '../provider-error.js';

/**
 * Still images (MV character references) through the predictions API that video generation uses
 * (providers/predictions/client.ts), one prediction per image:
 *
 *   POST {GENERATION_API_URL}/predictions
 *        {"version": IMAGE_MODEL, "input": {
 *           "prompt":        request.prompt,
 *           "width":         request.width,   (pixels; models that take a free size read these)
 *           "height":        request.height,
 *           "aspect_ratio":  the ratio nearest width/height among FLUX_ASPECT_RATIOS,
 *           "output_format": "jpg"}}
 *
 * black-forest-labs/flux-schnell (the default IMAGE_MODEL) takes no width or height, only one of
 * FLUX_ASPECT_RATIOS, and picks its own size for it (about a megapixel). So the output, whatever
 * it is, is made into what the port promises: the bytes are sniffed (never the Content-Type),
 * PNG or WebP converted to JPEG, and anything not exactly width×height cover-cropped to it
 * (sharp's attention strategy keeps faces). A retried attempt resumes the heartbeated
 * prediction; a cancelled job cancels it. Errors are ProviderErrors coded `IMAGE_*`: a failed
 * prediction is `IMAGE_PREDICTION_FAILED` (not retryable) reading "Image generation failed: <the
 * provider's reason>"; an output that is not a readable JPEG, PNG or WebP is `IMAGE_BAD_OUTPUT`
 * (not retryable: the resumed prediction would give the same file).
 */

/** flux-schnell's aspect_ratio values. */
export const FLUX_ASPECT_RATIOS = ['1:1', '16:9', '21:9', '3:2', '2:3', '4:5', '5:4', '3:4', '4:3', '9:16', '9:21'] as const;
export type FluxAspectRatio = (typeof FLUX_ASPECT_RATIOS)[number];

/** The supported ratio closest to width:height, by how much one must be stretched to give the other (1080×1920 → "9:16", 1000×1100 → "1:1"). */
export function nearestAspectRatio(width: number, height: number): FluxAspectRatio {
  const stretch = (ratio: FluxAspectRatio) => {
    const [w = 1, h = 1] = ratio.split(':').map(Number);
    return Math.abs(Math.log(width / height) - Math.log(w / h));
  };
  return FLUX_ASPECT_RATIOS.reduce((best, ratio) => (stretch(ratio) < stretch(best) ? ratio : best));
}

/** JPEG quality of a converted or cropped output. */
const JPEG_QUALITY = 90;

function badOutput(message: string, cause?: unknown): ProviderError {
  return new ProviderError('IMAGE_BAD_OUTPUT', `Image generation ${message}`, { retryable: false, cause });
}

/**
 * The downloaded output at `sourcePath` as a width×height JPEG at `outputPath` (through a temporary
 * file beside it): a JPEG of that size is kept byte for byte, anything else re-encoded.
 */
async function writeJpeg(sourcePath: string, outputPath: string, width: number, height: number): Promise<void> {
  const bytes = await readFile(sourcePath);
  const type = sniffImageType(bytes);
  if (!type) throw badOutput('returned a file that is not a JPEG, PNG or WebP image');
  const image = sharp(bytes, SAFE_DECODE);
  const metadata = await image.metadata().catch((error: unknown) => {
    throw badOutput(`returned a ${type.toUpperCase()} that cannot be read`, error);
  });
  if (type === 'jpeg' && metadata.width === width && metadata.height === height && (metadata.orientation ?? 1) === 1) {
    await rename(sourcePath, outputPath);
    return;
  }
  const temp = join(dirname(outputPath), `.${basename(outputPath)}.${randomUUID()}.jpg`);
  try {
    await image
      .rotate()
      .resize(width, height, { fit: 'cover', position: sharp.strategy.attention })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: JPEG_QUALITY })
      .toFile(temp)
      .catch((error: unknown) => {
        throw badOutput(`returned a ${type.toUpperCase()} that cannot be decoded`, error);
      });
    await rename(temp, outputPath);
  } finally {
    await rm(temp, { force: true });
  }
}

/** Where the API is and how patiently to talk to it, and the model (IMAGE_MODEL) as Replicate's `version`. */
export type HttpImageGeneratorOptions = PredictionsApiOptions & { model: string };

export class HttpImageGenerator implements ImageGenerator {
  readonly name = 'http' as const;
  readonly model: string;
  private readonly predictions: PredictionsClient;

  constructor({ model, ...api }: HttpImageGeneratorOptions) {
    this.model = model;
    this.predictions = new PredictionsClient({ ...api, provider: 'IMAGE', label: 'Image generation' });
  }

  async generate(
    request: { prompt: string; width: number; height: number; outputPath: string },
    progress: ActivityProgress,
  ): Promise<{ model: string; predictionId: string }> {
    const { prompt, width, height, outputPath } = request;
    const input = { prompt, width, height, aspect_ratio: nearestAspectRatio(width, height), output_format: 'jpg' };
    const download = join(dirname(outputPath), `.${basename(outputPath)}.${randomUUID()}.download`);
    try {
      const { predictionId } = await this.predictions.run({ version: this.model, input, outputPath: download }, progress);
      await writeJpeg(download, outputPath, width, height);
      return { model: this.model, predictionId };
    } finally {
      await rm(download, { force: true });
    }
  }
}

export function createHttpImageGenerator(
  config: Pick<Config, 'GENERATION_API_URL' | 'GENERATION_API_TOKEN' | 'IMAGE_MODEL'>,
  options: Omit<HttpImageGeneratorOptions, 'apiUrl' | 'token' | 'model'> = {},
): HttpImageGenerator {
  if (!config.GENERATION_API_URL || !config.GENERATION_API_TOKEN) {
    throw new Error('GENERATION_API_URL and GENERATION_API_TOKEN are required for GENERATION_PROVIDER=http');
  }
  return new HttpImageGenerator({ apiUrl: config.GENERATION_API_URL, token: config.GENERATION_API_TOKEN, model: config.IMAGE_MODEL, ...options });
}
