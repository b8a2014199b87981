import { assetsOf, eventsSince } from '../../db/jobs/queries.js';
import type { JobEvent, JobRow } from '../../db/jobs/types.js';
import { findProductAd } from '../../db/product-ad/jobs.js';
import type { Storage } from '../../providers/ports.js';
import { FAILED } from '../../workflows/engine/contract.js';
import { STAGES, type JobStatus, type Stage } from '../../workflows/product-ad/contract.js';
import type { AppDeps } from '../lib/types.js';
import { DEFAULT_STAGE_WEIGHTS, stageTimes } from './stage-weights.js';

type StageStatus = 'pending' | 'processing' | 'completed' | 'failed' | 'cancelled';

interface StageView {
  id: number;
  stage_name: Stage;
  status: StageStatus;
  progress: number;
  started_at: string | null;
  completed_at: string | null;
  error_message: string | null;
}

/** The seed's stages[]: the stages that have begun, with status, progress (0–100) and times. */
export function stagesOf(job: JobRow, events: readonly JobEvent[]): StageView[] {
  const times = stageTimes(events);
  const currentIndex = job.stage ? STAGES.indexOf(job.stage as Stage) : -1;
  return STAGES.flatMap((stage, index) => {
    const time = times.get(stage);
    if (!time) return [];
    let status: StageStatus = 'completed';
    if (index === currentIndex && job.status !== 'completed') {
      status = job.status === FAILED ? 'failed' : job.status === 'cancelled' ? 'cancelled' : 'processing';
    }
    const progress = status === 'completed' ? 100 : Math.round(job.progress * 100);
    return [
      {
        id: index + 1,
        stage_name: stage,
        status,
        progress,
        started_at: time.started.toISOString(),
        completed_at: status === 'completed' ? (time.ended ?? job.updatedAt).toISOString() : null,
        error_message: status === 'failed' ? job.errorMessage : null,
      },
    ];
  });
}

/** Overall progress, 0–100: the finished stages' weights and the current one's share (the job's weights, fixed at acceptance). */
export function overallProgress(job: Pick<JobRow, 'status' | 'stage' | 'progress'>, weights: Record<Stage, number>): number {
  if (job.status === 'completed') return 100;
  const index = job.stage ? STAGES.indexOf(job.stage as Stage) : -1;
  if (index < 0) return 0;
  const done = STAGES.slice(0, index).reduce((sum, stage) => sum + weights[stage], 0);
  return Math.min(99, Math.floor((done + weights[STAGES[index]!] * job.progress) * 100));
}

/** The seed's job body (GET /api/jobs/{job_id}), with fresh signed media links. */
export async function jobView(deps: Pick<AppDeps, 'sql'> & { storage: Storage }, job: JobRow) {
  const [ad, events, assets] = await Promise.all([findProductAd(deps.sql, job.id), eventsSince(deps.sql, job.id), assetsOf(deps.sql, job.id, ['video', 'thumbnail'])]);
  const completed = job.status === 'completed';
  return {
    job_id: job.key,
    status: job.status as JobStatus,
    progress: overallProgress(job, ad?.stageWeights ?? DEFAULT_STAGE_WEIGHTS),
    created_at: job.createdAt.toISOString(),
    updated_at: job.updatedAt.toISOString(),
    product_name: ad?.productName ?? '',
    style: ad?.style ?? '',
    cta_text: ad?.ctaText ?? '',
    video_url: completed && assets.video ? await deps.storage.signedUrl(assets.video) : null,
    thumbnail_url: completed && assets.thumbnail ? await deps.storage.signedUrl(assets.thumbnail) : null,
    error_message: job.status === FAILED ? (job.errorMessage ?? 'the job failed') : null,
    cost_usd: Math.round(job.costUsd * 1_000_000) / 1_000_000,
    stages: stagesOf(job, events),
  };
}
