import { findDubbingJob, type DubbingJob } from '../../db/dubbing/jobs.js';
import { findLibraryVideo } from '../../db/library/videos.js';
import type { SignedInUser } from '../../lib/auth/supabase-token.js';
import { videoObject } from '../../lib/library/video-view.js';
import { FAILED } from '../../workflows/engine/contract.js';
import { TERMINAL_STATUSES, type JobStatus, type Stage } from '../../workflows/dubbing/contract.js';
import { ApiError } from '../lib/errors.js';
import { UUID_PATTERN } from '../lib/fields.js';
import type { AppDeps } from '../lib/types.js';

export const isEnded = (status: string) => status === FAILED || (TERMINAL_STATUSES as readonly string[]).includes(status);

/**
 * The caller's dubbing job by key. 404 alike for a malformed or numeric id, an unknown job,
 * another pipeline's job and another user's: a job's existence does not leak.
 */
export async function ownDubbingJob(deps: AppDeps, user: SignedInUser, key: string): Promise<DubbingJob> {
  const job = UUID_PATTERN.test(key) ? await findDubbingJob(deps.sql, key) : undefined;
  if (!job || job.owner !== user.id) throw new ApiError(404, 'NotFound', `Job ${key} not found.`);
  return job;
}

/** Where each stage's progress sits in the job's overall 0–1: stages run in this order, so it never goes back. */
const STAGE_SPANS: Record<Stage, [number, number]> = { speech: [0, 0.15], lipsync: [0.15, 0.95], finish: [0.95, 1] };

export function overallProgress(job: Pick<DubbingJob, 'status' | 'stage' | 'progress'>): number {
  if (job.status === 'completed') return 1;
  const span = job.stage ? STAGE_SPANS[job.stage as Stage] : undefined;
  if (!span) return 0;
  return Math.round((span[0] + (span[1] - span[0]) * job.progress) * 1000) / 1000;
}

/** Why a job that ended early ended: the recorded failure, or the cancel. */
function errorOf(job: DubbingJob): { code: string; message: string } | null {
  if (job.status === FAILED) return { code: job.errorCode ?? 'UNKNOWN', message: job.errorMessage ?? 'no reason recorded' };
  if (job.status === 'cancelled') return { code: job.errorCode ?? 'CANCELLED', message: job.errorMessage ?? 'the job was cancelled' };
  return null;
}

/** The job as GET /api/v1/jobs/{job_id} shows it, with its dub's library video object once there is one. */
export async function dubbingJobBody(deps: AppDeps, job: DubbingJob) {
  const output = job.outputVideoId ? await findLibraryVideo(deps.sql, job.owner, job.outputVideoId) : undefined;
  return {
    job_id: job.key,
    status: job.status as JobStatus,
    stage: job.stage as Stage | null,
    progress: overallProgress(job),
    source_video_id: job.sourceVideoId,
    transcript_chars: job.transcriptChars,
    voice: job.voice,
    cost_dust: job.costDust,
    output_video: output ? await videoObject(output, deps.storage, deps.config.MEDIA_URL_TTL_SECONDS) : null,
    error: errorOf(job),
    created_at: job.createdAt.toISOString(),
    updated_at: job.updatedAt.toISOString(),
  };
}
