import { assetsOf, eventsSince } from '../../db/jobs/queries.js';
import type { JobEvent, JobRow } from '../../db/jobs/types.js';
import { findProductAd } from '../../db/product-ad/jobs.js';
import type { Storage } from '../../providers/ports.js';
import { FAILED } from '../../workflows/engine/contract.js';
import { STAGES, type JobStatus, type Stage } from '../../workflows/product-ad/contract.js';
import type { AppDeps } from '../lib/types.js';

/**
 * Each stage's share of the whole job (sums to 1), from the typical run on this machine's local
 * providers: visuals and compositing dominate. Fixed per deployment, so a job's overall progress
 * never goes back.
 */
export const STAGE_WEIGHTS: Record<Stage, number> = { script_gen: 0.05, voice_gen: 0.1, video_gen: 0.45, compositing: 0.4 };

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

/** When each stage was last entered and left, from the job's status events (a retry re-enters its stage). */
function stageTimes(events: readonly JobEvent[]): Map<Stage, { started: Date; ended: Date | null }> {
  const times = new Map<Stage, { started: Date; ended: Date | null }>();
  let current: Stage | undefined;
  for (const event of events) {
    if (event.kind !== 'status') continue;
    const stage = (STAGES as readonly string[]).includes(event.stage ?? '') ? (event.stage as Stage) : undefined;
    if (stage && stage !== current) {
      const previous = current && times.get(current);
      if (previous && !previous.ended) previous.ended = event.createdAt;
      times.set(stage, { started: event.createdAt, ended: null });
      current = stage;
    }
    if (event.status === 'completed' && current) times.get(current)!.ended ??= event.createdAt;
  }
  return times;
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

/** Overall progress, 0–100: the finished stages' weights and the current one's share. */
export function overallProgress(job: Pick<JobRow, 'status' | 'stage' | 'progress'>): number {
  if (job.status === 'completed') return 100;
  const index = job.stage ? STAGES.indexOf(job.stage as Stage) : -1;
  if (index < 0) return 0;
  const done = STAGES.slice(0, index).reduce((sum, stage) => sum + STAGE_WEIGHTS[stage], 0);
  return Math.min(99, Math.floor((done + STAGE_WEIGHTS[STAGES[index]!] * job.progress) * 100));
}

/** The seed's job body (GET /api/jobs/{job_id}), with fresh signed media links. */
export async function jobView(deps: Pick<AppDeps, 'sql'> & { storage: Storage }, job: JobRow) {
  const [ad, events, assets] = await Promise.all([findProductAd(deps.sql, job.id), eventsSince(deps.sql, job.id), assetsOf(deps.sql, job.id, ['video', 'thumbnail'])]);
  const completed = job.status === 'completed';
  return {
    job_id: job.key,
    status: job.status as JobStatus,
    progress: overallProgress(job),
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
