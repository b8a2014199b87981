import type { Config } from '../../lib/config.js';
import type { ActivityProgress, DubRequest, VideoDubber } from '../ports.js';
import { PredictionsClient, type PredictionsApiOptions } from '../predictions/client.js';

/**
 * Lip-sync dubbing through a Replicate-style predictions API (providers/predictions/client.ts):
 *
 *   POST {LIPSYNC_API_URL}/predictions   {"version": "{LIPSYNC_MODEL}", "input": {"video": "<signed video URL>", "audio": "<signed voice-over URL>"}}
 *
 * then polled to its mp4, written to request.outputPath; a retried attempt resumes the prediction
 * and a cancelled job cancels it. Errors are ProviderErrors coded `LIPSYNC_*`; a failed
 * prediction's message carries the provider's reason.
 */
export class HttpVideoDubber implements VideoDubber {
  readonly name = 'http' as const;
  private readonly predictions: PredictionsClient;

  constructor(private readonly options: PredictionsApiOptions & { model: string }) {
    this.predictions = new PredictionsClient({ ...options, provider: 'LIPSYNC', label: 'Lip-sync' });
  }

  async dub(request: DubRequest, progress: ActivityProgress): Promise<{ model: string; predictionId: string }> {
    const input = { video: request.videoUrl, audio: request.audioUrl };
    const { predictionId } = await this.predictions.run({ version: this.options.model, input, outputPath: request.outputPath }, progress);
    return { model: this.options.model, predictionId };
  }
}

/** The dubber LIPSYNC_PROVIDER=http names; throws when its settings are missing. */
export function createHttpVideoDubber(config: Pick<Config, 'LIPSYNC_API_URL' | 'LIPSYNC_API_TOKEN' | 'LIPSYNC_MODEL'>): HttpVideoDubber {
  if (!config.LIPSYNC_API_URL || !config.LIPSYNC_API_TOKEN || !config.LIPSYNC_MODEL) {
    throw new Error('LIPSYNC_API_URL, LIPSYNC_API_TOKEN and LIPSYNC_MODEL are required for LIPSYNC_PROVIDER=http');
  }
  return new HttpVideoDubber({ apiUrl: config.LIPSYNC_API_URL, token: config.LIPSYNC_API_TOKEN, model: config.LIPSYNC_MODEL });
}
