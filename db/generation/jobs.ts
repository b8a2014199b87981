import type { Queryable, Tx } from '../client.js';
import type { JobStore } from '../jobs/store.js';
import type { JobRef } from '../jobs/types.js';
import { PIPELINE, type GenerationInput, type GenerationSpec, type GenerationType } from '../../workflows/generation/contract.js';

/** The generation product's reads and writes beside the engine's job row (generation_jobs). */

export interface GenerationJobDraft {
  input: GenerationInput;
  workflowId: string;
  /** The started workflow's first run id: its run chain is the job's writer. */
  originRunId: string;
  costDust: number;
  idempotencyKey: string | null;
  requestDigest: string;
}

/** The request's columns both generation_jobs and generated_videos keep. */
export function specColumns(sql: Queryable, spec: GenerationSpec) {
  return {
    generation_type: spec.type,
    prompt: spec.prompt,
    duration_seconds: spec.durationSeconds,
    resolution: spec.resolution,
    aspect_ratio: spec.aspectRatio,
    reference_person: spec.referencePerson ? sql.json({ ...spec.referencePerson }) : null,
    source_image_url: spec.sourceImageUrl,
  };
}

/** Creates the job (engine row, first event) and its request, in the caller's transaction. */
export async function createGenerationJob(store: JobStore, tx: Tx, draft: GenerationJobDraft): Promise<JobRef> {
  const { input } = draft;
  const { ref } = await store.createStarted(tx, {
    job: input.job,
    pipeline: PIPELINE,
    owner: input.accountId,
    status: 'queued',
    workflowId: draft.workflowId,
    originRunId: draft.originRunId,
    detail: { generation_type: input.spec.type },
  });
  const { spec } = input;
  await tx`
    insert into generation_jobs ${tx({
      job_id: ref.id,
      account_id: input.accountId,
      ...specColumns(tx, spec),
      camera_fixed: spec.cameraFixed,
      cost_dust: draft.costDust,
      webhook_url: input.webhook?.url ?? null,
      webhook_events: input.webhook?.events ?? [],
      idempotency_key: draft.idempotencyKey,
      request_digest: draft.requestDigest,
    })}`;
  return ref;
}

/** A generation job as its endpoints show it: the engine's row and the request it was made from. */
export interface GenerationJob {
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
  spec: GenerationSpec;
  costDust: number;
  model: string | null;
  generationMs: number | null;
}

interface GenerationJobRow extends Omit<GenerationJob, 'spec'> {
  generation_type: GenerationType;
  prompt: string;
  duration_seconds: GenerationSpec['durationSeconds'];
  resolution: GenerationSpec['resolution'];
  aspect_ratio: GenerationSpec['aspectRatio'];
  camera_fixed: boolean;
  reference_person: GenerationSpec['referencePerson'];
  source_image_url: string | null;
}

const SELECT_JOB = `select j.id, j.key::text as key, j.owner, j.status, j.stage, j.progress, j.error_code as "errorCode", j.error_message as "errorMessage",
  j.created_at as "createdAt", j.updated_at as "updatedAt", g.cost_dust as "costDust", g.model, g.generation_ms as "generationMs",
  g.generation_type, g.prompt, g.duration_seconds, g.resolution, g.aspect_ratio, g.camera_fixed, g.reference_person, g.source_image_url
  from jobs j join generation_jobs g on g.job_id = j.id`;

function toJob(row: GenerationJobRow): GenerationJob {
  const { generation_type, prompt, duration_seconds, resolution, aspect_ratio, camera_fixed, reference_person, source_image_url, ...job } = row;
  return {
    ...job,
    spec: {
      type: generation_type,
      prompt,
      durationSeconds: duration_seconds,
      resolution,
      aspectRatio: aspect_ratio,
      cameraFixed: camera_fixed,
      referencePerson: reference_person,
      sourceImageUrl: source_image_url,
    },
  };
}

/** A generation job by its key (the seed's job_id). */
export async function findGenerationJob(sql: Queryable, key: string): Promise<GenerationJob | undefined> {
  const [row] = await sql<GenerationJobRow[]>`${sql.unsafe(SELECT_JOB)} where j.key = ${key}::uuid`;
  return row && toJob(row);
}

/** The account's jobs that are still queued, starting or processing, oldest first. */
export async function activeGenerationJobs(sql: Queryable, accountId: string, statuses: readonly string[]): Promise<GenerationJob[]> {
  const rows = await sql<GenerationJobRow[]>`${sql.unsafe(SELECT_JOB)} where g.account_id = ${accountId} and j.status in ${sql(statuses)} order by j.id`;
  return rows.map(toJob);
}

/** The job that holds the account's Idempotency-Key (locked until the transaction ends). */
export async function jobByIdempotencyKey(tx: Tx, accountId: string, key: string): Promise<{ jobId: number; jobKey: string; status: string; requestDigest: string } | undefined> {
  const [row] = await tx<{ jobId: number; jobKey: string; status: string; requestDigest: string }[]>`
    select j.id as "jobId", j.key::text as "jobKey", j.status, g.request_digest as "requestDigest"
    from generation_jobs g join jobs j on j.id = g.job_id
    where g.account_id = ${accountId} and g.idempotency_key = ${key}
    for update of g`;
  return row;
}

/** A failed or cancelled job gives its Idempotency-Key up, so the client can try again with it. */
export async function releaseIdempotencyKey(tx: Tx, jobId: number): Promise<void> {
  await tx`update generation_jobs set idempotency_key = null where job_id = ${jobId}`;
}

/** Jobs of this pipeline queued before this one, plus one: where it stands in the queue. */
export async function queuePosition(sql: Queryable, jobId: number): Promise<number> {
  const [row] = await sql<{ ahead: number }[]>`
    select count(*)::int as ahead from jobs where pipeline = ${PIPELINE} and status = 'queued' and id < ${jobId}`;
  return (row?.ahead ?? 0) + 1;
}

/**
 * Seconds from acceptance to completion, averaged over the last `window` completed jobs of this
 * kind in the past week — of the same length and resolution when `like` names them; undefined
 * until there are `minimum` of them.
 */
export async function typicalSeconds(
  sql: Queryable,
  like: { type: GenerationType; durationSeconds?: number; resolution?: string },
  window = 20,
  minimum = 3,
): Promise<number | undefined> {
  const [row] = await sql<{ samples: number; seconds: number | null }[]>`
    select count(*)::int as samples, avg(seconds)::float8 as seconds from (
      select extract(epoch from j.updated_at - j.created_at) as seconds
      from jobs j join generation_jobs g on g.job_id = j.id
      where j.pipeline = ${PIPELINE} and j.status = 'completed' and g.generation_type = ${like.type} and j.created_at > now() - interval '7 days'
        ${like.durationSeconds === undefined ? sql`` : sql`and g.duration_seconds = ${like.durationSeconds}`}
        ${like.resolution === undefined ? sql`` : sql`and g.resolution = ${like.resolution}`}
      order by j.id desc limit ${window}
    ) recent`;
  return row && row.samples >= minimum && row.seconds !== null ? row.seconds : undefined;
}

/** Which model made the job's video and how long generating took (the seed's generation_info). */
export async function recordGenerationInfo(sql: Queryable, jobId: number, info: { model: string; generationMs: number }): Promise<void> {
  await sql`update generation_jobs set model = ${info.model}, generation_ms = ${info.generationMs} where job_id = ${jobId}`;
}

export interface GenerationStats {
  jobsProcessed: number;
  jobsQueued: number;
  jobsInProgress: number;
  lastJobCompletedAt: Date | null;
  averageProcessingTimeSeconds: number | null;
}

/** The seed's processor stats, from the job model: every generation job, every account. */
export async function generationStats(sql: Queryable): Promise<GenerationStats> {
  const [row] = await sql<GenerationStats[]>`
    select count(*) filter (where status = 'completed')::int as "jobsProcessed",
           count(*) filter (where status = 'queued')::int as "jobsQueued",
           count(*) filter (where status in ('starting', 'processing'))::int as "jobsInProgress",
           max(updated_at) filter (where status = 'completed') as "lastJobCompletedAt",
           avg(extract(epoch from updated_at - created_at)) filter (where status = 'completed')::float8 as "averageProcessingTimeSeconds"
    from jobs where pipeline = ${PIPELINE}`;
  return row!;
}
