import type { Config } from '../../lib/config.js';
import { RESOLUTIONS } from '../../workflows/generation/contract.js';
import type { ActivityProgress, GenerationRequest, VideoGenerator } from '../ports.js';
import { PredictionsClient, type PredictionsApiOptions } from '../predictions/client.js';
import { ProviderError } from '../provider-error.js';

/**
 * Text-to-video and image-to-video through a Replicate-style predictions API
 * (providers/predictions/client.ts), one prediction per video:
 *
 *   POST {GENERATION_API_URL}/predictions
 *        {"version": TEXT_TO_VIDEO_MODEL | IMAGE_TO_VIDEO_MODEL (by spec.type), "input": {
 *           "prompt":            spec.prompt,
 *           "duration":          spec.durationSeconds (5, 10 or 15),
 *           "aspect_ratio":      spec.aspectRatio ("16:9", "9:16", "1:1", "4:3", "3:4"),
 *           "resolution":        the short side as "480p" | "720p" | "1080p" | "2160p",
 *           "camera_fixed":      spec.cameraFixed,
 *           "first_frame_image": request.imageUrl (image_to_video only: a signed URL of our copy)}}
 *
 * minimax/video-01 and video-01-live read `prompt` and `first_frame_image`; the other fields use
 * the names of models that take a length, frame and camera setting (Seedance's). The output
 * video is written to request.outputPath; a retried attempt resumes the heartbeated prediction
 * and a cancelled job cancels it. Errors are ProviderErrors coded `GENERATION_*`; a failed
 * prediction's message is "Video generation failed: <the provider's reason>".
 */

export interface HttpVideoGeneratorOptions extends PredictionsApiOptions {
  textToVideoModel: string;
  imageToVideoModel: string;
}

export class HttpVideoGenerator implements VideoGenerator {
  readonly name = 'http' as const;
  private readonly predictions: PredictionsClient;

  constructor(private readonly options: HttpVideoGeneratorOptions) {
    this.predictions = new PredictionsClient({ ...options, provider: 'GENERATION', label: 'Video generation' });
  }

  async generate(request: GenerationRequest, progress: ActivityProgress): Promise<{ model: string; predictionId: string }> {
    const { spec } = request;
    const input: Record<string, unknown> = {
      prompt: spec.prompt,
      duration: spec.durationSeconds,
      aspect_ratio: spec.aspectRatio,
      resolution: `${RESOLUTIONS[spec.resolution]}p`,
      camera_fixed: spec.cameraFixed,
    };
    let model = this.options.textToVideoModel;
    if (spec.type === 'image_to_video') {
      if (!request.imageUrl) throw new ProviderError('GENERATION_NO_SOURCE_IMAGE', 'image_to_video needs the source image URL', { retryable: false });
      input.first_frame_image = request.imageUrl;
      model = this.options.imageToVideoModel;
    }
    const { predictionId } = await this.predictions.run({ version: model, input, outputPath: request.outputPath }, progress);
    return { model, predictionId };
  }
}

export function createHttpVideoGenerator(
  config: Pick<Config, 'GENERATION_API_URL' | 'GENERATION_API_TOKEN' | 'TEXT_TO_VIDEO_MODEL' | 'IMAGE_TO_VIDEO_MODEL'>,
  options: Omit<HttpVideoGeneratorOptions, 'apiUrl' | 'token' | 'textToVideoModel' | 'imageToVideoModel'> = {},
): HttpVideoGenerator {
  if (!config.GENERATION_API_URL || !config.GENERATION_API_TOKEN) {
    throw new Error('GENERATION_API_URL and GENERATION_API_TOKEN are required for GENERATION_PROVIDER=http');
  }
  return new HttpVideoGenerator({
    apiUrl: config.GENERATION_API_URL,
    token: config.GENERATION_API_TOKEN,
    textToVideoModel: config.TEXT_TO_VIDEO_MODEL,
    imageToVideoModel: config.IMAGE_TO_VIDEO_MODEL,
    ...options,
  });
}
