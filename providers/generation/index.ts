import type { Config } from '../../lib/config.js';
import type { VideoGenerator } from '../ports.js';
import { createHttpVideoGenerator } from './http.js';
import { createLocalVideoGenerator } from './local.js';

/** The video generator GENERATION_PROVIDER names: the predictions API (`http`) or the offline ffmpeg renderer (`local`). */
export function createVideoGenerator(
  config: Pick<Config, 'GENERATION_PROVIDER' | 'GENERATION_API_URL' | 'GENERATION_API_TOKEN' | 'TEXT_TO_VIDEO_MODEL' | 'IMAGE_TO_VIDEO_MODEL' | 'FFMPEG_PATH' | 'FFPROBE_PATH'>,
): VideoGenerator {
  return config.GENERATION_PROVIDER === 'http' ? createHttpVideoGenerator(config) : createLocalVideoGenerator(config);
}
