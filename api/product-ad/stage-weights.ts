import type { Queryable } from '../../db/client.js';
import type { JobEvent } from '../../db/jobs/types.js';
import { PIPELINE, STAGES, type Stage } from '../../workflows/product-ad/contract.js';

/** Until a few ads completed this week: shares from a typical run on local providers (visuals and compositing dominate). */
export const DEFAULT_STAGE_WEIGHTS: Record<Stage, number> = { script_gen: 0.05, voice_gen: 0.1, video_gen: 0.45, compositing: 0.4 };

/** When each stage was last entered and left, from a job's status events in order (a retry re-enters its stage). */
export function stageTimes(events: readonly Pick<JobEvent, 'kind' | 'stage' | 'status' | 'createdAt'>[]): Map<Stage, { started: Date; ended: Date | null }> {
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

/**
 * Each stage's share of a job's overall progress (sums to 1): the mean duration of each stage over
 * the last `window` ads completed this week, once there are `minimum`; the defaults before.
 */
export async function measuredStageWeights(sql: Queryable, window = 20, minimum = 3): Promise<Record<Stage, number>> {
  const rows = await sql<{ job_id: number; kind: JobEvent['kind']; stage: string | null; status: string; created_at: Date }[]>`
    select e.job_id, e.kind, e.stage, e.status, e.created_at from job_events e
    where e.kind = 'status' and e.job_id in (
      select id from jobs where pipeline = ${PIPELINE} and status = 'completed' and created_at > now() - interval '7 days' order by id desc limit ${window}
    )
    order by e.job_id, e.seq`;
  const byJob = new Map<number, (typeof rows)[number][]>();
  for (const row of rows) byJob.set(row.job_id, [...(byJob.get(row.job_id) ?? []), row]);
  if (byJob.size < minimum) return DEFAULT_STAGE_WEIGHTS;
  const totals = Object.fromEntries(STAGES.map((stage) => [stage, 0])) as Record<Stage, number>;
  for (const events of byJob.values()) {
    for (const [stage, time] of stageTimes(events.map((row) => ({ ...row, createdAt: row.created_at })))) {
      if (time.ended) totals[stage] += Math.max(0, time.ended.getTime() - time.started.getTime());
    }
  }
  const sum = STAGES.reduce((all, stage) => all + totals[stage], 0);
  if (sum <= 0) return DEFAULT_STAGE_WEIGHTS;
  // No stage weighs nothing: its progress must still show.
  const floored = Object.fromEntries(STAGES.map((stage) => [stage, Math.max(0.02, totals[stage] / sum)])) as Record<Stage, number>;
  const norm = STAGES.reduce((all, stage) => all + floored[stage], 0);
  return Object.fromEntries(STAGES.map((stage) => [stage, floored[stage] / norm])) as Record<Stage, number>;
}
