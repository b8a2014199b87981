import type { Config } from '../../lib/config.js';
import { configureFfmpeg } from '../../lib/media/ffmpeg.js';
import type { SpeechSynthesizer } from '../ports.js';
import { createGroqSpeechSynthesizer } from './groq-speech.js';
import { createLocalSpeechSynthesizer } from './local-speech.js';

export type SpeechConfig = Pick<Config, 'TTS_PROVIDER' | 'GROQ_API_KEY' | 'GROQ_BASE_URL' | 'GROQ_TTS_MODEL' | 'GROQ_TTS_VOICE' | 'ESPEAK_PATH'> &
  Partial<Pick<Config, 'FFMPEG_PATH' | 'FFPROBE_PATH'>>;

/** The synthesizer TTS_PROVIDER names (config makes it groq when GROQ_API_KEY is set); both encode with ffmpeg. */
export function createSpeechSynthesizer(config: SpeechConfig): SpeechSynthesizer {
  configureFfmpeg({ FFMPEG_PATH: config.FFMPEG_PATH, FFPROBE_PATH: config.FFPROBE_PATH });
  if (config.TTS_PROVIDER === 'local') return createLocalSpeechSynthesizer(config.ESPEAK_PATH ? { espeakPath: config.ESPEAK_PATH } : {});
  if (!config.GROQ_API_KEY) throw new Error('TTS_PROVIDER=groq needs GROQ_API_KEY');
  return createGroqSpeechSynthesizer({
    apiKey: config.GROQ_API_KEY,
    model: config.GROQ_TTS_MODEL,
    voice: config.GROQ_TTS_VOICE,
    ...(config.GROQ_BASE_URL ? { baseURL: config.GROQ_BASE_URL } : {}),
  });
}
