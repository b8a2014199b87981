import { setTimeout as sleep } from 'node:timers/promises';
import type { ActivityProgress, VideoDubber } from '../../providers/ports.js';
import { ProviderError } from '../../providers/provider-error.js';
import { startGenerationStack, type GenerationClient, type GenerationStack, type Reply } from '../support/generation-stack.js';

/**
 * The dubbing pipeline in one test process: the generation stack (real app over loopback HTTP,
 * real worker, PostgreSQL, ffmpeg, espeak-ng) with the configured dubber steered by the source
 * video's name — a library video named "Fail Me…" fails lip-sync for good as a provider would,
 * one named "Hold Me…" lip-syncs until the job is cancelled.
 */

export const FAILING_SOURCE = 'Fail Me.mp4';
export const HOLDING_SOURCE = 'Hold Me.mp4';
export const PROVIDER_REASON = 'Lip-sync failed: No face detected in the video';

/** Heartbeats until the job is cancelled, then stops as a cancelled dubber does. */
async function holdUntilCancelled(progress: ActivityProgress): Promise<never> {
  for (;;) {
    if (progress.signal.aborted) throw progress.signal.reason;
    progress.heartbeat({ holding: true });
    progress.report(0.5);
    await sleep(200, undefined, { signal: progress.signal }).catch(() => undefined);
  }
}

/** The configured dubber, steered by the library key's stem (fail_me, hold_me) in the video's URL. */
export function scriptedDubber(configured: VideoDubber): VideoDubber {
  return {
    name: configured.name,
    async dub(request, progress) {
      if (request.videoUrl.includes('fail_me')) throw new ProviderError('LIPSYNC_PREDICTION_FAILED', PROVIDER_REASON, { retryable: false });
      if (request.videoUrl.includes('hold_me')) await holdUntilCancelled(progress);
      return configured.dub(request, progress);
    },
  };
}

export function startDubbingStack(): Promise<GenerationStack> {
  return startGenerationStack({ providers: (configured) => ({ dubber: scriptedDubber(configured.dubber) }) });
}

/** A signed-in user's dubbing calls: job creation, the job, and transcript uploads (raw bodies). */
export function dubbingCalls(stack: GenerationStack, user: GenerationClient) {
  return {
    create: (body: Record<string, unknown>) => user.send('POST', '/api/v1/jobs/create', body),
    job: (jobId: string) => user.get(`/api/v1/jobs/${jobId}`),
    /** Polls the job until it reaches one of `statuses`. */
    async waitFor(jobId: string, statuses: string[], until: (body: Record<string, unknown>) => boolean = () => true, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const reply = await user.get(`/api/v1/jobs/${jobId}`);
        if (statuses.includes(String(reply.body?.status)) && until(reply.body)) return reply.body;
        if (Date.now() > deadline) throw new Error(`job ${jobId} is ${JSON.stringify(reply.body)}, never reached ${statuses.join('/')}`);
        await sleep(100);
      }
    },
    async uploadTranscript(body: string | Uint8Array | FormData, contentType?: string): Promise<Reply> {
      const response = await fetch(`${stack.url}/api/v1/upload/transcript`, {
        method: 'POST',
        body,
        headers: { authorization: `Bearer ${user.token}`, ...(contentType ? { 'content-type': contentType } : {}) },
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as Record<string, unknown> };
    },
  };
}
