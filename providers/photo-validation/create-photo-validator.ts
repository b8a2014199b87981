import type { Config } from '../../lib/config.js';
import type { PhotoValidator } from '../ports.js';
import { createGroqPhotoValidator } from './groq-validator.js';
import { createLocalPhotoValidator } from './local-validator.js';

export type PhotoValidatorConfig = Pick<Config, 'PHOTO_VALIDATOR' | 'GROQ_API_KEY' | 'GROQ_BASE_URL' | 'GROQ_VISION_MODEL'>;

/** The validator PHOTO_VALIDATOR names (config makes it groq when GROQ_API_KEY is set). */
export function createPhotoValidator(config: PhotoValidatorConfig): PhotoValidator {
  if (config.PHOTO_VALIDATOR === 'local') return createLocalPhotoValidator();
  if (!config.GROQ_API_KEY) throw new Error('PHOTO_VALIDATOR=groq needs GROQ_API_KEY');
  return createGroqPhotoValidator({
    apiKey: config.GROQ_API_KEY,
    model: config.GROQ_VISION_MODEL,
    ...(config.GROQ_BASE_URL ? { baseURL: config.GROQ_BASE_URL } : {}),
  });
}
