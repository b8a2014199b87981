import type { Queryable, Tx } from '../client.js';
import type { JobStore } from '../jobs/store.js';
import type { JobRef } from '../jobs/types.js';
import { PIPELINE, type DubbingInput, type SourceVideo, type Voice } from '../../workflows/dubbing/contract.js';

/** The dubbing pipeline's reads and writes beside the engine's job row (dubbing_jobs). */

/**
 * Locks the user's library video against deletion until the transaction ends (`for share`: the
 * library's DELETE takes `for update` and refuses while an active dubbing job uses the video) and
 * returns it as a job's source; undefined when it is not theirs, deleted or absent.
 */
export async function lockSourceVideo(tx: Tx, userId: string, videoId: string): Promise<{ source: SourceVideo; durationSeconds: number | null } | undefined> {
  const [row] = await tx<(SourceVideo & { durationSeconds: number | null })[]>`
    select id::text as id, s3_key as key, filename, original_filename as "originalFilename", duration::float8 as "durationSeconds"
    from videos where id = ${videoId}::uuid and user_id = ${userId} and deleted_at is null
    for share`;
  if (!row) return undefined;
  const { durationSeconds, ...source } = row;
  return { source, durationSeconds };
}

export interface DubbingJobDraft {
  input: DubbingInput;
  workflowId: string;
  /** The started workflow's first run id: its run chain is the job's writer. */
  originRunId: string;
  costDust: number;
}

/** Creates the job (engine row, first event) and its dubbing_jobs row, in the caller's transaction. */
export async function createDubbingJob(store: JobStore, tx: Tx, draft: DubbingJobDraft): Promise<JobRef> {
  const { input } = draft;
  const { ref } = await store.createStarted(tx, {
    job: input.job,
    pipeline: PIPELINE,
    owner: input.accountId,
    status: 'queued',
    workflowId: draft.workflowId,
    originRunId: draft.originRunId,
    detail: { source_video_id: input.source.id },
  });
  await tx`
    insert into dubbing_jobs ${tx({
      job_id: ref.id,
      account_id: input.accountId,
      source_video_id: input.source.id,
      transcript: input.transcript,
      voice: input.voice,
      cost_dust: draft.costDust,
    })}`;
  return ref;
}

/** A dubbing job as its endpoints show it: the engine's row and the request beside it. */
export interface DubbingJob {
  id: number;
  key: string;
  owner: string;
  status: string;
  stage: string | null;
  progress: number;
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: Date;
  updatedAt: Date;
  sourceVideoId: string;
  transcriptChars: number;
  voice: Voice | null;
  costDust: number;
  outputVideoId: string | null;
}

/** A dubbing job by its key; undefined when there is none (or the key names another pipeline's job). */
export async function findDubbingJob(sql: Queryable, key: string): Promise<DubbingJob | undefined> {
  const [row] = await sql<DubbingJob[]>`
    select j.id, j.key::text as key, j.owner, j.status, j.stage, j.progress, j.error_code as "errorCode", j.error_message as "errorMessage",
           j.created_at as "createdAt", j.updated_at as "updatedAt", d.source_video_id::text as "sourceVideoId",
           char_length(d.transcript) as "transcriptChars", d.voice, d.cost_dust as "costDust", d.output_video_id::text as "outputVideoId"
    from jobs j join dubbing_jobs d on d.job_id = j.id
    where j.key = ${key}::uuid and j.pipeline = ${PIPELINE}`;
  return row;
}

/** The library video a job made, once recorded; undefined before. */
export async function outputVideoOf(sql: Queryable, jobId: number): Promise<string | undefined> {
  const [row] = await sql<{ id: string | null }[]>`select output_video_id::text as id from dubbing_jobs where job_id = ${jobId}`;
  return row?.id ?? undefined;
}

/** Records the library video the job made (its dub, or the user's earlier video with the same bytes). */
export async function recordOutputVideo(sql: Queryable, jobId: number, videoId: string): Promise<void> {
  await sql`update dubbing_jobs set output_video_id = ${videoId}::uuid where job_id = ${jobId}`;
}
