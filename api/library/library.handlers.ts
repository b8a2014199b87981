import type { RouteHandler } from '@hono/zod-openapi';
import type { Handler } from 'hono';
import { listLibraryVideos, recentLibraryVideos, softDeleteLibraryVideo } from '../../db/library/queries.js';
import { findLibraryVideoByKey, type LibraryVideo } from '../../db/library/videos.js';
import { videoObject } from '../../lib/library/video-view.js';
import { ApiError } from '../lib/errors.js';
import type { AppEnv } from '../lib/types.js';
import type * as routes from './library.routes.js';
import { S3KeyParamsSchema, type BY_KEY_ROUTING_PATH } from './library.routes.js';

/** Every video of an answer as the seed shows it, its URLs signed now. */
function videoObjects(c: { var: AppEnv['Variables'] }, videos: LibraryVideo[]) {
  const { storage, config } = c.var.deps;
  return Promise.all(videos.map((video) => videoObject(video, storage, config.MEDIA_URL_TTL_SECONDS)));
}

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => {
  const query = c.req.valid('query');
  const { videos, total } = await listLibraryVideos(c.var.deps.sql, {
    userId: c.var.user.id,
    page: query.page,
    pageSize: query.page_size,
    search: query.search || null,
    sortBy: query.sort_by,
    sortOrder: query.sort_order,
  });
  const totalPages = Math.ceil(total / query.page_size);
  return c.json(
    {
      videos: await videoObjects(c, videos),
      total_count: total,
      page: query.page,
      page_size: query.page_size,
      total_pages: totalPages,
      has_more: query.page < totalPages,
    },
    200,
  );
};

export const recent: RouteHandler<typeof routes.recent, AppEnv> = async (c) => {
  const videos = await recentLibraryVideos(c.var.deps.sql, c.var.user.id, c.req.valid('query').limit);
  return c.json({ videos: await videoObjects(c, videos) }, 200);
};

/** A plain route (see routes.byKey): the key is checked here, answering 400 as the OpenAPI routes' validation does. */
export const byKey: Handler<AppEnv, typeof BY_KEY_ROUTING_PATH> = async (c) => {
  const parsed = S3KeyParamsSchema.safeParse({ s3_key: c.req.param('s3_key') });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ field: 's3_key', message: issue.message }));
    throw new ApiError(400, 'ValidationError', issues.map((issue) => `${issue.field}: ${issue.message}`).join('; '), issues);
  }
  const video = await findLibraryVideoByKey(c.var.deps.sql, c.var.user.id, parsed.data.s3_key);
  if (!video) throw new ApiError(404, 'NotFound', 'No video of yours has this key.');
  const [shown] = await videoObjects(c, [video]);
  return c.json(shown!, 200);
};

export const remove: RouteHandler<typeof routes.remove, AppEnv> = async (c) => {
  const id = c.req.valid('param').id.toLowerCase();
  const result = await softDeleteLibraryVideo(c.var.deps.sql, c.var.user.id, id);
  if (result.outcome === 'not_found') throw new ApiError(404, 'NotFound', `Video ${id} not found.`);
  if (result.outcome === 'in_use') {
    throw new ApiError(409, 'Conflict', `Video ${id} is the source of active dubbing job(s) ${result.jobKeys.join(', ')}; delete it once they finish or are cancelled.`, {
      code: 'VIDEO_IN_USE',
      job_ids: result.jobKeys,
    });
  }
  return c.json({ id, deleted: true as const, deleted_at: result.deletedAt.toISOString() }, 200);
};
