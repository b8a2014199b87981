import { findGenerationJob, queuePosition, typicalSeconds, type GenerationJob } from '../../db/generation/jobs.js';
import { videoOfJob } from '../../db/generation/videos.js';
import type { SignedInUser } from '../../lib/auth/supabase-token.js';
import { userVideo } from '../../lib/generation/video-view.js';
import { FAILED } from '../../workflows/engine/contract.js';
import { TERMINAL_STATUSES, failureText, type GenerationSpec, type GenerationType, type JobStatus } from '../../workflows/generation/contract.js';
import { ApiError } from '../lib/errors.js';
import type { AppDeps } from '../lib/types.js';

/** Until a kind has finished a few jobs this week, the seed's own figures. */
const DEFAULT_SECONDS: Record<GenerationType, number> = { text_to_video: 240, image_to_video: 180 };

/**
 * Seconds a job like this one takes from acceptance to completion: measured on recent jobs of the
 * same kind, length and resolution, else of the same kind, else the seed's figure.
 */
export async function estimatedSeconds(deps: AppDeps, spec: Pick<GenerationSpec, 'type' | 'durationSeconds' | 'resolution'>): Promise<number> {
  const measured =
    (await typicalSeconds(deps.sql, { type: spec.type, durationSeconds: spec.durationSeconds, resolution: spec.resolution })) ??
    (await typicalSeconds(deps.sql, { type: spec.type }));
  return Math.round(measured ?? DEFAULT_SECONDS[spec.type]);
}

export const isEnded = (status: string) => status === FAILED || (TERMINAL_STATUSES as readonly string[]).includes(status);

/**
 * The caller's job by key: 404 when there is none or it ended more than JOB_RETENTION_SECONDS ago
 * (the seed: "Job not found or already expired"), 403 when it is another user's.
 */
export async function ownJob(deps: AppDeps, user: SignedInUser, key: string): Promise<GenerationJob> {
  const job = await findGenerationJob(deps.sql, key);
  const expired = job && isEnded(job.status) && Date.now() - job.updatedAt.getTime() > deps.config.JOB_RETENTION_SECONDS * 1000;
  if (!job || expired) throw new ApiError(404, 'NotFound', `Job ${key} not found or already expired.`);
  if (job.owner !== user.id) throw new ApiError(403, 'Forbidden', `Job ${key} belongs to another user.`);
  return job;
}

/** Where each stage's progress sits in the job's overall 0–1: stages run in this order, so it never goes back. */
const STAGE_SPANS: Record<string, [number, number]> = { fetch_source: [0.02, 0.1], generate: [0.1, 0.95], finish: [0.95, 1] };

const STEPS: Record<string, string> = {
  queued: 'Waiting in queue',
  starting: 'Starting',
  fetch_source: 'Fetching the source image',
  generate: 'Generating frames',
  finish: 'Saving the video',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export function overallProgress(job: Pick<GenerationJob, 'status' | 'stage' | 'progress'>): number {
  if (job.status === 'completed') return 1;
  if (job.status === 'queued') return 0;
  const span = job.stage ? STAGE_SPANS[job.stage] : undefined;
  if (!span) return job.status === 'starting' ? 0.02 : 0;
  return Math.round((span[0] + (span[1] - span[0]) * job.progress) * 1000) / 1000;
}

const errorOf = (job: GenerationJob) => failureText(job.status, job.errorMessage);

/** The seed's "Check Job Status" body. */
export async function statusBody(deps: AppDeps, job: GenerationJob) {
  const ended = isEnded(job.status);
  const progress = overallProgress(job);
  const elapsed = (Date.now() - job.createdAt.getTime()) / 1000;
  // Once it has moved, the job's own pace says more than the typical time.
  const remaining = ended ? 0 : progress >= 0.1 ? (elapsed * (1 - progress)) / progress : (await estimatedSeconds(deps, job.spec)) - elapsed;
  const step = ended || !job.stage || job.status === 'queued' ? STEPS[job.status] : STEPS[job.stage];
  return {
    success: true as const,
    job_id: job.key,
    status: job.status as JobStatus,
    progress,
    generation_info: { current_step: step ?? job.status, estimated_remaining_seconds: ended ? 0 : Math.max(1, Math.ceil(remaining)) },
    ...(job.status === 'queued' ? { queue_position: await queuePosition(deps.sql, job.id) } : {}),
    ...(job.status === 'failed' || job.status === 'cancelled' ? { error: errorOf(job) } : {}),
    created_at: job.createdAt.toISOString(),
    updated_at: job.updatedAt.toISOString(),
  };
}

/** The seed's "Get Job Result" body: completed, failed (or cancelled), or still processing. */
export async function resultBody(deps: AppDeps, job: GenerationJob) {
  if (job.status === 'failed' || job.status === 'cancelled') {
    return { success: false as const, job_id: job.key, status: job.status, error: errorOf(job) };
  }
  if (job.status !== 'completed') return { success: true as const, job_id: job.key, status: job.status, message: 'Video generation still in progress' };
  const video = await videoOfJob(deps.sql, job.id);
  if (!video) throw new ApiError(404, 'NotFound', `Job ${job.key}'s video was deleted.`);
  return {
    success: true as const,
    video: await userVideo(video, deps.storage),
    generation_info: { model_used: job.model ?? 'unknown', generation_time_ms: job.generationMs ?? 0 },
  };
}
