import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses } from '../lib/errors.js';
import { UserVideoSchema } from './schemas.js';
import { uuidField } from '../lib/fields.js';

/** The seed's video list and CRUD ("unchanged" endpoints) and the processor stats. */

const tags = ['Generation'];
const security = [{ SupabaseToken: [] }];

const VideoParam = z.object({
  video_id: uuidField('video_id').openapi({ param: { name: 'video_id', in: 'path' } }),
});

const flag = z.enum(['true', 'false', '1', '0'], { error: 'favorites_only must be true or false' }).transform((value) => value === 'true' || value === '1');

export const ListQuerySchema = z.object({
  limit: z.coerce.number({ error: 'limit must be a number' }).int('limit must be a whole number').min(1, 'limit must be from 1 to 100').max(100, 'limit must be from 1 to 100').default(20),
  offset: z.coerce.number({ error: 'offset must be a number' }).int('offset must be a whole number').min(0, 'offset must be 0 or more').max(1_000_000).default(0),
  favorites_only: flag.default(false),
  generation_type: z.enum(['all', 'text_to_video', 'image_to_video'], { error: 'generation_type must be all, text_to_video or image_to_video' }).default('all'),
});

const VideoEnvelope = z.object({ video: UserVideoSchema }).openapi('UserVideoEnvelope');

export const list = createRoute({
  method: 'get',
  path: '/videos',
  operationId: 'listVideos',
  tags,
  security,
  summary: 'The caller’s videos, newest first',
  request: { query: ListQuerySchema },
  responses: {
    200: {
      description: 'A page of videos',
      content: {
        'application/json': {
          schema: z
            .object({
              videos: z.array(UserVideoSchema),
              pagination: z.object({ total: z.number().int(), limit: z.number().int(), offset: z.number().int(), has_more: z.boolean() }),
            })
            .openapi('UserVideoPage'),
        },
      },
    },
    ...errorResponses(400, 401),
  },
});

export const stats = createRoute({
  method: 'get',
  path: '/videos/stats',
  operationId: 'getGenerationStats',
  tags,
  security,
  summary: 'Background processor stats: whether a worker polls the generation queue, and job counts',
  responses: {
    200: {
      description: 'Stats',
      content: {
        'application/json': {
          schema: z
            .object({
              is_running: z.boolean(),
              jobs_processed: z.number().int(),
              jobs_queued: z.number().int(),
              jobs_in_progress: z.number().int(),
              last_job_completed_at: z.string().nullable(),
              average_processing_time_seconds: z.number().nullable(),
            })
            .openapi('GenerationStats'),
        },
      },
    },
    ...errorResponses(401),
  },
});

export const get = createRoute({
  method: 'get',
  path: '/videos/{video_id}',
  operationId: 'getVideo',
  tags,
  security,
  summary: 'One of the caller’s videos',
  request: { params: VideoParam },
  responses: { 200: { description: 'The video', content: { 'application/json': { schema: VideoEnvelope } } }, ...errorResponses(400, 401, 403, 404) },
});

export const update = createRoute({
  method: 'put',
  path: '/videos/{video_id}',
  operationId: 'setVideoFavourite',
  tags,
  security,
  summary: 'Favourites or un-favourites a video',
  request: {
    params: VideoParam,
    body: { content: { 'application/json': { schema: z.object({ is_favorited: z.boolean({ error: 'is_favorited must be true or false' }) }) } }, required: true },
  },
  responses: { 200: { description: 'The updated video', content: { 'application/json': { schema: VideoEnvelope } } }, ...errorResponses(400, 401, 403, 404) },
});

export const remove = createRoute({
  method: 'delete',
  path: '/videos/{video_id}',
  operationId: 'deleteVideo',
  tags,
  security,
  summary: 'Deletes a video and its media from storage',
  request: { params: VideoParam },
  responses: {
    200: { description: 'Deleted', content: { 'application/json': { schema: z.object({ deleted_from_storage: z.boolean() }).openapi('VideoDeleted') } } },
    ...errorResponses(400, 401, 403, 404),
  },
});
