import { z } from '@hono/zod-openapi';
import type { Queryable } from '../../db/client.js';
import type { JobRow } from '../../db/jobs/types.js';
import type { Storage } from '../../providers/ports.js';
import { JOB_STATUSES, STAGES, type JobStatus, type MvTaskKind, type Stage } from '../../workflows/mv/contract.js';
import { ScenesSchema, type CharacterReferenceResult, type MvJobSchema, type ScenesResult, type VideoResult } from './schemas.js';

/** How a completed job's stored result (its final event's `detail.result`) becomes the answer: storage keys get fresh signed links. */
export type ResultReader<T> = (storage: Storage, stored: unknown) => Promise<T>;

// What the workflow stored; checked, since the log outlives code changes.
const StoredMediaSchema = z.object({ s3_key: z.string() });

export const readScenes: ResultReader<ScenesResult> = async (_storage, stored) => ScenesSchema.parse(stored);

export const readCharacterReference: ResultReader<CharacterReferenceResult> = async (storage, stored) => {
  const { s3_key } = StoredMediaSchema.parse(stored);
  return { image_url: await storage.signedUrl(s3_key), s3_key };
};

export const readVideo: ResultReader<VideoResult> = async (storage, stored) => {
  const { s3_key } = StoredMediaSchema.parse(stored);
  return { video_url: await storage.signedUrl(s3_key), s3_key };
};

/** A job's task, by the stage it was created in, and how its result reads. */
const TASKS: Record<Stage, { task: MvTaskKind; read: ResultReader<ScenesResult | CharacterReferenceResult | VideoResult> }> = {
  plan_scenes: { task: 'scenes', read: readScenes },
  character_reference: { task: 'character_reference', read: readCharacterReference },
  video_gen: { task: 'video', read: readVideo },
};

/** The completed event's `detail.result` (undefined before the job completed). */
export async function storedResult(sql: Queryable, jobId: number): Promise<unknown> {
  const [row] = await sql<{ result: unknown }[]>`
    select detail->'result' as result from job_events
    where job_id = ${jobId} and status = 'completed' and detail ? 'result'
    order by seq desc limit 1`;
  return row?.result;
}

export const isMvStatus = (status: string): status is JobStatus => (JOB_STATUSES as readonly string[]).includes(status);

/** GET /api/mv/jobs/{job_id}: where the job stands and, once completed, the body its request would have answered. */
export async function jobBody(deps: { sql: Queryable; storage: Storage }, job: JobRow): Promise<z.infer<typeof MvJobSchema>> {
  const stage = STAGES.find((name) => name === job.stage);
  if (!stage || !isMvStatus(job.status)) throw new Error(`MV job ${job.id} is in an unknown stage or status (${job.stage}, ${job.status})`);
  const { task, read } = TASKS[stage];
  const completed = job.status === 'completed';
  return {
    job_id: job.key,
    task,
    status: job.status,
    progress: completed ? 100 : Math.min(99, Math.floor(job.progress * 100)),
    created_at: job.createdAt.toISOString(),
    updated_at: job.updatedAt.toISOString(),
    cost_usd: job.costUsd,
    error_code: job.errorCode,
    error_message: job.errorMessage,
    result: completed ? await read(deps.storage, await storedResult(deps.sql, job.id)) : null,
  };
}
