import { activityProgress } from '../../providers/progress.js';
import { toActivityFailure } from '../../providers/provider-error.js';
import type { Voice } from '../../workflows/dubbing/contract.js';
import { storeVoiceover, type StoredVoiceover, type VoiceoverDeps } from '../engine/voiceover.js';

/** The speech stage: the transcript spoken by the configured synthesizer. */
export function createDubbingSpeechActivities(deps: VoiceoverDeps) {
  return {
    /**
     * Speaks the transcript in `voice` (or the synthesizer's default) and keeps the voice-over in
     * storage. Heartbeats while it works, so a cancelled job stops the synthesizer (espeak-ng
     * killed, the Groq request aborted).
     */
    async speakTranscript(input: { jobId: number; transcript: string; voice: Voice | null }): Promise<StoredVoiceover> {
      const progress = activityProgress();
      progress.heartbeat({ step: 'speech' });
      try {
        return await progress.keepAlive(() => storeVoiceover(deps, { jobId: input.jobId, text: input.transcript, voice: input.voice }, progress.signal));
      } catch (error) {
        throw toActivityFailure(error);
      }
    },
  };
}
