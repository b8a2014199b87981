import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createScratch } from '../../lib/scratch.js';
import type { SpeechSynthesizer } from '../ports.js';
import { ProviderError } from '../provider-error.js';
import { speakableText } from './text-chunks.js';
import { encodeVoiceover } from './voiceover-audio.js';

export const ESPEAK_MODEL = 'local/espeak-ng';
export const ESPEAK_VOICE = 'en-us';
/** Words per minute: espeak-ng's default is 175; a little slower reads as an announcer, not a robot in a hurry. */
export const ESPEAK_WORDS_PER_MINUTE = 165;

/**
 * The espeak-ng voice that stands in for each Orpheus voice (workflows/dubbing/contract.ts VOICES):
 * American English with a female (autumn, diana, hannah) or male (austin, daniel, troy) variant,
 * a different one each, so two voices never sound alike offline either.
 */
export const ESPEAK_VARIANTS: Readonly<Record<string, string>> = {
  autumn: 'en-us+f3',
  diana: 'en-us+f2',
  hannah: 'en-us+f4',
  austin: 'en-us+m3',
  daniel: 'en-us+m1',
  troy: 'en-us+m7',
};

/** How long espeak-ng may take to exit after SIGTERM before it gets SIGKILL. */
const KILL_GRACE_MS = 2000;

export interface LocalSpeechOptions {
  /** The espeak-ng executable (ESPEAK_PATH); `espeak-ng` on PATH when absent. */
  espeakPath?: string;
  /** The espeak-ng voice of requests that name none. */
  voice?: string;
  wordsPerMinute?: number;
}

/**
 * Runs espeak-ng with the text on stdin (so a text starting with "-" is not an option) and waits
 * for it to exit. An abort sends SIGTERM, then SIGKILL after a grace period, and rejects with the
 * signal's reason only once the process is gone.
 */
function runEspeak(executable: string, args: string[], text: string, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const child = spawn(executable, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    let escalation: NodeJS.Timeout | undefined;
    const onAbort = () => {
      child.kill('SIGTERM');
      escalation = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stderr.setEncoding('utf8').on('data', (data: string) => {
      stderr = (stderr + data).slice(-2000);
    });
    // A killed espeak-ng closes its stdin early; the close below reports what matters.
    child.stdin.on('error', () => {});
    child.stdin.end(text);

    let spawnError: NodeJS.ErrnoException | undefined;
    child.on('error', (error: NodeJS.ErrnoException) => {
      spawnError = error;
    });
    child.on('close', (code, killedBy) => {
      clearTimeout(escalation);
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) return reject(signal.reason);
      if (spawnError?.code === 'ENOENT') {
        return reject(
          new ProviderError('ESPEAK_MISSING', `espeak-ng not found at ${executable}: install it (apt-get install espeak-ng) or set ESPEAK_PATH`, {
            retryable: false,
            cause: spawnError,
          }),
        );
      }
      if (spawnError || code !== 0) {
        const how = spawnError ? spawnError.message : killedBy ? `was killed by ${killedBy}` : `exited with ${code}`;
        return reject(new ProviderError('ESPEAK_FAILED', `espeak-ng ${how}: ${stderr.trim().slice(0, 300)}`, { retryable: false, cause: spawnError }));
      }
      resolve();
    });
  });
}

/**
 * The offline speech synthesizer: espeak-ng speaks the text into a WAV, which ffmpeg encodes as
 * the voice-over .m4a. Real, intelligible speech, far from a human voice, in milliseconds.
 * Orpheus's bracketed vocal directions ("[cheerful]") are dropped: espeak-ng would read them out.
 * A request's Orpheus voice name is spoken with its ESPEAK_VARIANTS voice; a name not there is
 * SPEECH_UNKNOWN_VOICE (not retryable).
 */
export function createLocalSpeechSynthesizer(options: LocalSpeechOptions = {}): SpeechSynthesizer {
  const executable = options.espeakPath ?? 'espeak-ng';
  const defaultVoice = options.voice ?? ESPEAK_VOICE;
  const wordsPerMinute = options.wordsPerMinute ?? ESPEAK_WORDS_PER_MINUTE;
  return {
    name: 'local',
    async synthesize({ text, outputPath, voice: named }, signal) {
      const voice = named === undefined ? defaultVoice : Object.hasOwn(ESPEAK_VARIANTS, named) ? ESPEAK_VARIANTS[named] : undefined;
      if (!voice) throw new ProviderError('SPEECH_UNKNOWN_VOICE', `no voice ${JSON.stringify(named)}; known: ${Object.keys(ESPEAK_VARIANTS).join(', ')}`, { retryable: false });
      const spoken = speakableText(text.replace(/\[[^\]]*\]/g, ' '));
      const scratch = await createScratch('speech');
      try {
        const wavPath = join(scratch.path, 'voice.wav');
        // -b 1: the input is UTF-8.
        await runEspeak(executable, ['-v', voice, '-s', String(wordsPerMinute), '-b', '1', '-w', wavPath, '--stdin'], spoken, signal);
        const { durationSeconds } = await encodeVoiceover([wavPath], outputPath, signal);
        return { model: ESPEAK_MODEL, voice, durationSeconds, characters: spoken.length };
      } finally {
        await scratch.remove();
      }
    },
  };
}
