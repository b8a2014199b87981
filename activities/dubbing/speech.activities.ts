import { join } from 'node:path';
import { createScratch } from '../../lib/scratch.js';
import type { SpeechSynthesizer, Storage } from '../../providers/ports.js';
import { activityProgress } from '../../providers/progress.js';
import { toActivityFailure } from '../../providers/provider-error.js';
import { storageKey } from '../../providers/storage/keys.js';
import type { Voice } from '../../workflows/dubbing/contract.js';

export interface SpeechDeps {
  storage: Storage;
  speech: SpeechSynthesizer;
  /** TTS_USD_PER_MILLION_CHARACTERS. */
  usdPerMillionCharacters: number;
  tempRoot?: string;
}

export interface SpokenTranscript {
  /** The voice-over (AAC .m4a) in storage, under the job. */
  voiceKey: string;
  durationSeconds: number;
  model: string;
  /** The voice that spoke, as the synthesizer names it. */
  voice: string;
  /** Characters billed at TTS_USD_PER_MILLION_CHARACTERS. */
  costUsd: number;
}

/** The speech stage: the transcript spoken by the configured synthesizer. */
export function createDubbingSpeechActivities(deps: SpeechDeps) {
  return {
    /**
     * Speaks the transcript in `voice` (or the synthesizer's default) and keeps the voice-over in
     * storage. Heartbeats while it works, so a cancelled job stops the synthesizer (espeak-ng
     * killed, the Groq request aborted).
     */
    async speakTranscript(input: { jobId: number; transcript: string; voice: Voice | null }): Promise<SpokenTranscript> {
      const progress = activityProgress();
      progress.heartbeat({ step: 'speech' });
      const scratch = await createScratch(`dub-voice-${input.jobId}`, deps.tempRoot);
      try {
        return await progress.keepAlive(async () => {
          const path = join(scratch.path, 'voice.m4a');
          const spoken = await deps.speech.synthesize({ text: input.transcript, outputPath: path, ...(input.voice ? { voice: input.voice } : {}) }, progress.signal);
          const voiceKey = storageKey({ job: input.jobId }, 'voiceover', 'm4a');
          await deps.storage.putFile(voiceKey, path, 'audio/mp4');
          const costUsd = (spoken.characters * deps.usdPerMillionCharacters) / 1_000_000;
          return { voiceKey, durationSeconds: spoken.durationSeconds, model: spoken.model, voice: spoken.voice, costUsd };
        });
      } catch (error) {
        throw toActivityFailure(error);
      } finally {
        await scratch.remove();
      }
    },
  };
}
