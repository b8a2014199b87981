import type { Config } from '../../lib/config.js';
import type { ImageGenerator } from '../ports.js';
import { createHttpImageGenerator } from './http.js';
import { createLocalImageGenerator } from './local.js';

/**
 * The image generator GENERATION_PROVIDER names (images follow the video generator): IMAGE_MODEL on
 * the predictions API (`http`), or the offline portrait-card renderer (`local`).
 */
export function createImageGenerator(config: Pick<Config, 'GENERATION_PROVIDER' | 'GENERATION_API_URL' | 'GENERATION_API_TOKEN' | 'IMAGE_MODEL'>): ImageGenerator {
  return config.GENERATION_PROVIDER === 'http' ? createHttpImageGenerator(config) : createLocalImageGenerator();
}
