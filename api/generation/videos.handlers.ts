import type { RouteHandler } from '@hono/zod-openapi';
import proto from '@temporalio/proto';
import { generationStats } from '../../db/generation/jobs.js';
import { deleteVideo, findVideo, listVideos, setFavorite, type GeneratedVideo } from '../../db/generation/videos.js';
import { userVideo } from '../../lib/generation/video-view.js';
import { ApiError } from '../lib/errors.js';
import type { AppDeps, AppEnv } from '../lib/types.js';
import type * as routes from './videos.routes.js';

/** A poller seen this recently counts as a running worker (Temporal keeps pollers listed for minutes). */
const POLLER_FRESH_MS = 60_000;

async function ownVideo(deps: AppDeps, userId: string, id: string): Promise<GeneratedVideo> {
  const video = await findVideo(deps.sql, id);
  if (!video) throw new ApiError(404, 'NotFound', `Video ${id} not found.`);
  if (video.accountId !== userId) throw new ApiError(403, 'Forbidden', `Video ${id} belongs to another user.`);
  return video;
}

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => {
  const { deps, user } = c.var;
  const query = c.req.valid('query');
  const { videos, total } = await listVideos(deps.sql, {
    accountId: user.id,
    limit: query.limit,
    offset: query.offset,
    favoritesOnly: query.favorites_only,
    type: query.generation_type,
  });
  return c.json(
    {
      videos: await Promise.all(videos.map((video) => userVideo(video, deps.storage))),
      pagination: { total, limit: query.limit, offset: query.offset, has_more: query.offset + videos.length < total },
    },
    200,
  );
};

export const get: RouteHandler<typeof routes.get, AppEnv> = async (c) => {
  const video = await ownVideo(c.var.deps, c.var.user.id, c.req.valid('param').video_id);
  return c.json({ video: await userVideo(video, c.var.deps.storage) }, 200);
};

export const update: RouteHandler<typeof routes.update, AppEnv> = async (c) => {
  const { video_id } = c.req.valid('param');
  await ownVideo(c.var.deps, c.var.user.id, video_id);
  const video = await setFavorite(c.var.deps.sql, video_id, c.req.valid('json').is_favorited);
  if (!video) throw new ApiError(404, 'NotFound', `Video ${video_id} not found.`);
  return c.json({ video: await userVideo(video, c.var.deps.storage) }, 200);
};

/** The row goes first (so a concurrent delete answers 404), then the media; `deleted_from_storage` says whether both objects are gone. */
export const remove: RouteHandler<typeof routes.remove, AppEnv> = async (c) => {
  const { deps, user, logger } = c.var;
  const { video_id } = c.req.valid('param');
  await ownVideo(deps, user.id, video_id);
  const deleted = await deps.sql.begin((tx) => deleteVideo(tx, video_id));
  if (!deleted) throw new ApiError(404, 'NotFound', `Video ${video_id} not found.`);
  const results = await Promise.allSettled([deps.storage.delete(deleted.videoKey), deps.storage.delete(deleted.thumbnailKey)]);
  const failed = results.filter((outcome) => outcome.status === 'rejected');
  if (failed.length > 0) logger.error({ videoId: video_id, errors: failed.map((outcome) => String(outcome.reason)) }, 'video media not deleted from storage');
  return c.json({ deleted_from_storage: failed.length === 0 }, 200);
};

/** Whether a worker has polled the task queue's activities lately (the generation activities run there). */
async function workerPolling(deps: AppDeps): Promise<boolean> {
  const described = await deps.temporal.workflowService.describeTaskQueue({
    namespace: deps.config.TEMPORAL_NAMESPACE,
    taskQueue: { name: deps.config.TEMPORAL_TASK_QUEUE },
    taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
  });
  const now = Date.now();
  return (described.pollers ?? []).some((poller) => {
    const seconds = Number(poller.lastAccessTime?.seconds ?? 0);
    return now - seconds * 1000 < POLLER_FRESH_MS;
  });
}

export const stats: RouteHandler<typeof routes.stats, AppEnv> = async (c) => {
  const { deps } = c.var;
  const [figures, running] = await Promise.all([generationStats(deps.sql), workerPolling(deps).catch(() => false)]);
  return c.json(
    {
      is_running: running,
      jobs_processed: figures.jobsProcessed,
      jobs_queued: figures.jobsQueued,
      jobs_in_progress: figures.jobsInProgress,
      last_job_completed_at: figures.lastJobCompletedAt?.toISOString() ?? null,
      average_processing_time_seconds: figures.averageProcessingTimeSeconds === null ? null : Math.round(figures.averageProcessingTimeSeconds * 10) / 10,
    },
    200,
  );
};
