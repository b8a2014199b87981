import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createScratch } from '../../lib/scratch.js';
import type { SpeechSynthesizer } from '../ports.js';
import { ProviderError } from '../provider-error.js';
import { groqFailure } from '../text/groq-errors.js';
import { speakableText, splitForSpeech } from './text-chunks.js';
import { encodeVoiceover } from './voiceover-audio.js';
import { createGroqClient } from '../groq-client.js';

/**
 * The most characters one speech request may carry. Groq documents 200 for its Orpheus models
 * ("Input length: The input text length is limited to 200 characters", Limitations in
 * console.groq.com/docs/text-to-speech/orpheus); longer voice-overs go as several requests.
 */
export const GROQ_SPEECH_MAX_INPUT = 200;

export interface GroqSpeechOptions {
  apiKey: string;
  /** Without the /openai/v1 path, e.g. https://api.groq.com. */
  baseURL?: string;
  model: string;
  voice: string;
  /** Per request (one chunk of at most GROQ_SPEECH_MAX_INPUT characters). */
  timeoutMs?: number;
}

/** A RIFF/WAVE header; anything else (an HTML error page behind a proxy, say) is not audio ffmpeg should be handed. */
function isWav(bytes: Buffer): boolean {
  return bytes.length > 44 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WAVE';
}

/**
 * Voice-overs from Groq's OpenAI-compatible speech endpoint (POST /openai/v1/audio/speech, WAV,
 * the only format its Orpheus models serve). The text goes in chunks of at most
 * GROQ_SPEECH_MAX_INPUT characters at sentence boundaries, one request each, in order; their WAVs
 * become one AAC .m4a. `characters` is what was sent, which is what Groq bills.
 * Failures are ProviderErrors from groqFailure: GROQ_429 (with Groq's retry-after), 5xx and
 * GROQ_TIMEOUT retry, 400 (input, unaccepted model terms) and 401 do not; an answer that is not a
 * WAV is GROQ_UNREADABLE_AUDIO, retryable. A cancellation rejects with the signal's reason. The
 * SDK does not retry (maxRetries 0): Temporal owns retries. A retried attempt asks for every chunk
 * again; a voice-over is a few chunks.
 */
export function createGroqSpeechSynthesizer(options: GroqSpeechOptions): SpeechSynthesizer {
  const client = createGroqClient(options, 30_000);
  const { model } = options;

  async function speak(input: string, voice: string, signal: AbortSignal | undefined): Promise<Buffer> {
    let bytes: Buffer;
    try {
      const response = await client.audio.speech.create({ model, voice, input, response_format: 'wav' }, signal ? { signal } : {});
      bytes = Buffer.from(await response.arrayBuffer());
    } catch (error) {
      // The cancellation itself, as the local synthesizer and ffmpeg report it, not the SDK's wrapper.
      if (signal?.aborted) throw signal.reason;
      throw groqFailure(error, signal);
    }
    if (!isWav(bytes)) {
      throw new ProviderError('GROQ_UNREADABLE_AUDIO', `Groq speech answered ${bytes.length} bytes that are not a WAV file`, { retryable: true });
    }
    return bytes;
  }

  return {
    name: 'groq',
    async synthesize({ text, outputPath, voice = options.voice }, signal) {
      const chunks = splitForSpeech(speakableText(text), GROQ_SPEECH_MAX_INPUT);
      const scratch = await createScratch('speech');
      try {
        const wavPaths: string[] = [];
        // One at a time: the chunks are few, and a rate limit stops the rest instead of failing them all.
        for (const [index, chunk] of chunks.entries()) {
          const wavPath = join(scratch.path, `chunk-${index}.wav`);
          await writeFile(wavPath, await speak(chunk, voice, signal));
          wavPaths.push(wavPath);
        }
        const { durationSeconds } = await encodeVoiceover(wavPaths, outputPath, signal);
        const characters = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
        return { model, voice, durationSeconds, characters };
      } finally {
        await scratch.remove();
      }
    },
  };
}
