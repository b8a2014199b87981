import type { Context } from 'hono';
import { findJob } from '../../db/jobs/queries.js';
import { isValidStorageKey } from '../../providers/storage/keys.js';
import { FAILED, type JobRef } from '../../workflows/engine/contract.js';
import { PIPELINE, STAGE_OF, TERMINAL_STATUSES, mvWorkflowId, type MvInput, type MvTask } from '../../workflows/mv/contract.js';
import { mvWorkflow } from '../../workflows/mv/mv.js';
import { jobEventStream } from '../jobs/job-stream.js';
import { ApiError } from '../lib/errors.js';
import { jobStartOptions, startJobWorkflow } from '../lib/start-job.js';
import type { AppDeps, AppEnv } from '../lib/types.js';
import { isMvStatus, storedResult, type ResultReader } from './job-view.js';
import type { Pending } from './schemas.js';

/** Where reference images must live: what POST /api/mv/character-reference made, nothing else in storage. */
const REFERENCE_PREFIX = 'mv/outputs/';

/**
 * 404 ReferenceImageNotFound unless every key names an object under mv/outputs/ that exists (a key
 * elsewhere in storage is answered the same as a missing one: it is not the caller's to use).
 */
export async function assertReferenceImages(deps: Pick<AppDeps, 'storage'>, keys: readonly string[]): Promise<void> {
  const found = await Promise.all(keys.map((key) => isValidStorageKey(key) && key.startsWith(REFERENCE_PREFIX) && deps.storage.exists(key)));
  const unknown = keys.filter((_, index) => !found[index]);
  if (unknown.length === 0) return;
  throw new ApiError(
    404,
    'ReferenceImageNotFound',
    `reference_image_s3_keys: no reference image ${unknown.map((key) => JSON.stringify(key.slice(0, 120))).join(', ')}; use s3_key values from POST /api/mv/character-reference`,
    [{ field: 'reference_image_s3_keys', message: 'unknown key', unknown }],
  );
}

/**
 * Creates the job (the task's stage, `pending`, the request in its first event) and starts its
 * workflow in one transaction; the workflow's first step (kit.accepted()) waits for it and does
 * nothing if it rolled back. 503 when Temporal does not start it in time, nothing created.
 */
export async function acceptMvJob(deps: AppDeps, task: MvTask, request: Record<string, unknown>): Promise<JobRef> {
  const job = await deps.store.reserve();
  const workflowId = mvWorkflowId(job.key);
  const input: MvInput = { job, task, tuning: { heartbeatTimeoutMs: deps.config.ACTIVITY_HEARTBEAT_TIMEOUT_SECONDS * 1000 } };
  const options = jobStartOptions(deps, { pipeline: PIPELINE, workflowId, input, status: 'pending' });

  await deps.sql.begin(async (tx) => {
    const handle = await startJobWorkflow(deps, tx, job.id, () => deps.temporal.workflow.start(mvWorkflow, options));
    const flavor = typeof task.flavor === 'string' ? task.flavor : task.flavor.name;
    await deps.store.createStarted(tx, {
      job,
      pipeline: PIPELINE,
      owner: null,
      status: 'pending',
      stage: STAGE_OF[task.kind],
      workflowId,
      originRunId: handle.firstExecutionRunId,
      detail: { task: task.kind, config_flavor: flavor, request },
    });
  });
  return job;
}

export type Settled<T> = { status: 200; body: T } | { status: 202; body: Pending };

/**
 * Holds the request until the job ends, MV_SYNC_TIMEOUT_SECONDS pass or the client leaves (woken by
 * the job's event log, like every live view). Completed: the result; still running: 202 with the
 * status URL (also in Location); failed: 502 GenerationFailed with the job's error. The job's key
 * is in the X-Job-Id header either way.
 */
async function settle<T>(c: Context<AppEnv>, job: JobRef, read: ResultReader<T>): Promise<Settled<T>> {
  const { deps } = c.var;
  const signal = AbortSignal.any([AbortSignal.timeout(deps.config.MV_SYNC_TIMEOUT_SECONDS * 1000), c.req.raw.signal]);
  for await (const item of jobEventStream(deps, job.id, { since: 0, terminalStatuses: [...TERMINAL_STATUSES, FAILED], signal })) void item;

  // Which job answered, for support and for GET /api/mv/jobs/{job_id}.
  c.header('X-Job-Id', job.key);
  const now = await findJob(deps.sql, job.id);
  if (!now || !isMvStatus(now.status)) throw new Error(`MV job ${job.id} vanished or has an unknown status`);
  if (now.status === 'completed') return { status: 200, body: await read(deps.storage, await storedResult(deps.sql, job.id)) };
  if (now.status === FAILED) {
    throw new ApiError(502, 'GenerationFailed', `${now.failedStage ?? now.stage} failed: ${now.errorMessage ?? 'unknown error'}`, {
      job_id: job.key,
      stage: now.failedStage,
      code: now.errorCode,
    });
  }
  const statusUrl = `${deps.config.PUBLIC_BASE_URL}/api/mv/jobs/${job.key}`;
  c.header('Location', statusUrl);
  return { status: 202, body: { job_id: job.key, status: now.status, status_url: statusUrl } };
}

/** Runs `task` as a job for this request (`request`: its body, kept in the job's first event) and settles it: see acceptMvJob and settle. */
export async function runMvJob<T>(c: Context<AppEnv>, task: MvTask, request: Record<string, unknown>, read: ResultReader<T>): Promise<Settled<T>> {
  return settle(c, await acceptMvJob(c.var.deps, task, request), read);
}
