import type { Config } from '../../lib/config.js';
import type { TextWriter } from '../ports.js';
import { createGroqTextWriter } from './groq-writer.js';
import { createLocalTextWriter } from './local-writer.js';

export type TextWriterConfig = Pick<Config, 'LLM_PROVIDER' | 'GROQ_API_KEY' | 'GROQ_BASE_URL' | 'GROQ_TEXT_MODEL'>;

/** The writer LLM_PROVIDER names (config makes it groq when GROQ_API_KEY is set). */
export function createTextWriter(config: TextWriterConfig): TextWriter {
  if (config.LLM_PROVIDER === 'local') return createLocalTextWriter();
  if (!config.GROQ_API_KEY) throw new Error('LLM_PROVIDER=groq needs GROQ_API_KEY');
  return createGroqTextWriter({
    apiKey: config.GROQ_API_KEY,
    model: config.GROQ_TEXT_MODEL,
    ...(config.GROQ_BASE_URL ? { baseURL: config.GROQ_BASE_URL } : {}),
  });
}
