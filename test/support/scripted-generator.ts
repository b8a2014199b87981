import { setTimeout as sleep } from 'node:timers/promises';
import type { VideoGenerator } from '../../providers/ports.js';
import { ProviderError } from '../../providers/provider-error.js';

/**
 * The configured generator, steered by the prompt so one stack can show every outcome: a prompt
 * containing `[fail]` fails as a provider's failed prediction does (the http adapter's words), `[hold]`
 * runs (heartbeating) until the job is cancelled; any other prompt is generated for real.
 */
export function scriptedGenerator(real: VideoGenerator): VideoGenerator {
  return {
    name: real.name,
    async generate(request, progress) {
      if (request.spec.prompt.includes('[fail]')) {
        throw new ProviderError('GENERATION_PREDICTION_FAILED', 'Video generation failed: Model timeout', { retryable: false });
      }
      if (request.spec.prompt.includes('[hold]')) {
        progress.report(0.3);
        while (!progress.signal.aborted) {
          progress.heartbeat({ holding: true });
          await sleep(200, undefined, { signal: progress.signal }).catch(() => undefined);
        }
        throw progress.signal.reason;
      }
      return real.generate(request, progress);
    },
  };
}
