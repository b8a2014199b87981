import { join } from 'node:path';
import { createScratch } from '../../lib/scratch.js';
import type { SpeechSynthesizer, Storage } from '../../providers/ports.js';
import { storageKey } from '../../providers/storage/keys.js';

export interface VoiceoverDeps {
  storage: Storage;
  speech: SpeechSynthesizer;
  /** TTS_USD_PER_MILLION_CHARACTERS. */
  usdPerMillionCharacters: number;
  /** Parent of the scratch folder; the OS temp dir unless given. */
  tempRoot?: string;
}

export interface StoredVoiceover {
  /** The voice-over (AAC in .m4a) in storage, under the job. */
  voiceKey: string;
  durationSeconds: number;
  model: string;
  /** The voice that spoke, as the synthesizer names it. */
  voice: string;
  /** The characters spoken at TTS_USD_PER_MILLION_CHARACTERS, USD. */
  costUsd: number;
}

/**
 * Speaks `text` (in `voice`, else the synthesizer's default) and keeps the voice-over in storage
 * under the job: what every pipeline's speech stage does. Throws the synthesizer's ProviderError or
 * the signal's reason; the scratch folder is removed either way.
 */
export async function storeVoiceover(
  deps: VoiceoverDeps,
  input: { jobId: number; text: string; voice?: string | null },
  signal: AbortSignal,
): Promise<StoredVoiceover> {
  const scratch = await createScratch(`voice-${input.jobId}`, deps.tempRoot);
  try {
    const path = join(scratch.path, 'voice.m4a');
    const spoken = await deps.speech.synthesize({ text: input.text, outputPath: path, ...(input.voice ? { voice: input.voice } : {}) }, signal);
    const voiceKey = storageKey({ job: input.jobId }, 'voiceover', 'm4a');
    await deps.storage.putFile(voiceKey, path, 'audio/mp4');
    const costUsd = (spoken.characters * deps.usdPerMillionCharacters) / 1_000_000;
    return { voiceKey, durationSeconds: spoken.durationSeconds, model: spoken.model, voice: spoken.voice, costUsd };
  } finally {
    await scratch.remove();
  }
}
