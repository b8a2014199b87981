import type { Queryable, Tx } from '../client.js';
import type { JobStore } from '../jobs/store.js';
import type { JobRef } from '../jobs/types.js';
import { PIPELINE, type FeedVideoInput } from '../../workflows/feed/contract.js';

/**
 * The feed's creation writes (`feed_videos`, `feed_video_assets`) and the reads admission decides
 * on. Videos waiting are those `pending` (accepted, waiting for a render slot) or `processing`
 * (rendering).
 */

/** Held by every creation's transaction from its checks to its commit: admissions happen one at a time. */
export async function lockAdmission(tx: Tx): Promise<void> {
  await tx`select pg_advisory_xact_lock(hashtextextended('feed-admission', 0))`;
}

export interface AdmissionState {
  /** Feed videos pending or processing, every user's. */
  waiting: number;
  /** Seconds since the user's newest feed video was created; null when they have none. */
  secondsSinceLast: number | null;
}

/** What admission decides on, read under lockAdmission (so no other creation commits in between). */
export async function admissionState(tx: Tx, userId: string): Promise<AdmissionState> {
  const [row] = await tx<AdmissionState[]>`
    select (select count(*)::int from feed_videos where status in ('pending', 'processing')) as waiting,
           (select extract(epoch from clock_timestamp() - max(created_at))::float8 from feed_videos where user_id = ${userId}) as "secondsSinceLast"`;
  return row!;
}

/**
 * How often a waiting slot has freed lately: seconds between the last (up to 10) videos that
 * ended in the past hour, spread evenly; undefined with fewer than two. A full queue's Retry-After.
 */
export async function secondsPerFinishedVideo(sql: Queryable): Promise<number | undefined> {
  const [row] = await sql<{ ended: number; span: number | null }[]>`
    select count(*)::int as ended, extract(epoch from max(updated_at) - min(updated_at))::float8 as span from (
      select updated_at from feed_videos
      where status in ('completed', 'failed') and updated_at > now() - interval '1 hour'
      order by updated_at desc limit 10
    ) recent`;
  return row && row.ended >= 2 && row.span !== null ? row.span / (row.ended - 1) : undefined;
}

export interface FeedVideoDraft {
  input: FeedVideoInput;
  prompt: string;
  sourceVideoId: string | null;
  workflowId: string;
  /** The started workflow's first run id: its run chain is the job's writer. */
  originRunId: string;
}

/**
 * Creates the job (engine row, first event) and its feed video, `pending`, in the caller's
 * transaction. created_at is the clock's (not the transaction's start, which may precede the
 * admission lock's wait): the cooldown counts from it.
 */
export async function createFeedVideo(store: JobStore, tx: Tx, draft: FeedVideoDraft): Promise<JobRef> {
  const { input } = draft;
  const { ref } = await store.createStarted(tx, {
    job: input.job,
    pipeline: PIPELINE,
    owner: input.accountId,
    status: 'pending',
    workflowId: draft.workflowId,
    originRunId: draft.originRunId,
    detail: { video_id: input.videoId, ...(draft.sourceVideoId ? { source_video_id: draft.sourceVideoId } : {}) },
  });
  await tx`
    insert into feed_videos (id, user_id, prompt, status, job_id, source_video_id, created_at, updated_at)
    values (${input.videoId}::uuid, ${input.accountId}, ${draft.prompt}, 'pending', ${ref.id}, ${draft.sourceVideoId}::uuid, clock_timestamp(), clock_timestamp())`;
  return ref;
}

/**
 * The render began: `processing`. From `pending`, or from `failed` when an admin retry runs the
 * job again (its reason cleared); a completed video stays completed. Returns whether it moved.
 */
export async function markFeedVideoProcessing(sql: Queryable, videoId: string): Promise<boolean> {
  const moved = await sql`
    update feed_videos set status = 'processing', failure_reason = null, updated_at = now()
    where id = ${videoId}::uuid and status in ('pending', 'failed')`;
  return moved.count > 0;
}

export interface StoredAsset {
  assetType: 'video' | 'thumbnail';
  storageBackend: string;
  storageKey: string;
  /** Whole seconds (videos). */
  durationSeconds: number | null;
}

/** The video is rendered and stored: its assets (one per type, replaced on a repeat) and `completed` with its length, together. */
export async function completeFeedVideo(tx: Tx, videoId: string, done: { durationSeconds: number; assets: StoredAsset[] }): Promise<void> {
  for (const asset of done.assets) {
    await tx`
      insert into feed_video_assets (video_id, asset_type, storage_backend, storage_key, duration_seconds)
      values (${videoId}::uuid, ${asset.assetType}, ${asset.storageBackend}, ${asset.storageKey}, ${asset.durationSeconds})
      on conflict (video_id, asset_type) do update set storage_backend = excluded.storage_backend, storage_key = excluded.storage_key,
        duration_seconds = excluded.duration_seconds, updated_at = now()`;
  }
  await tx`
    update feed_videos set status = 'completed', duration_seconds = ${done.durationSeconds}, failure_reason = null, updated_at = now()
    where id = ${videoId}::uuid`;
}

/** The video will not be rendered: `failed` with the reason (at most 500 characters). A completed one stays completed. Returns whether it moved. */
export async function failFeedVideo(sql: Queryable, videoId: string, reason: string): Promise<boolean> {
  const moved = await sql`
    update feed_videos set status = 'failed', failure_reason = ${reason.slice(0, 500)}, updated_at = now()
    where id = ${videoId}::uuid and status in ('pending', 'processing')`;
  return moved.count > 0;
}

/** failFeedVideo for the video a job renders (the API's cancel of a job no run answered). */
export async function failFeedVideoOfJob(sql: Queryable, jobId: number, reason: string): Promise<boolean> {
  const moved = await sql`
    update feed_videos set status = 'failed', failure_reason = ${reason.slice(0, 500)}, updated_at = now()
    where job_id = ${jobId} and status in ('pending', 'processing')`;
  return moved.count > 0;
}
