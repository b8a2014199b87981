import { createRoute, z } from '@hono/zod-openapi';
import { SORT_FIELDS, SORT_ORDERS } from '../../db/library/queries.js';
import { errorResponses } from '../lib/errors.js';
import { uuidField } from '../lib/fields.js';
import { RecentVideosSchema, VideoDeletedSchema, VideoPageSchema, VideoSchema } from './schemas.js';

/** The video library's reads and delete (../shared/seeds/s3-video-library-api.md, endpoints 1–3). */

const tags = ['Video library'];
const security = [{ SupabaseToken: [] }];

/** A whole-number query parameter from `min` to `max`; the 400 names it. */
const wholeNumber = (field: string, min: number, max: number, fallback: number) =>
  z.coerce
    .number({ error: `${field} must be a number` })
    .int(`${field} must be a whole number`)
    .min(min, `${field} must be from ${min} to ${max}`)
    .max(max, `${field} must be from ${min} to ${max}`)
    .default(fallback);

export const ListQuerySchema = z.object({
  page: wholeNumber('page', 1, 1_000_000, 1).openapi({ description: '1-based' }),
  page_size: wholeNumber('page_size', 1, 50, 10),
  search: z
    .string({ error: 'search must be a single string' })
    .trim()
    .max(255, 'search must be at most 255 characters')
    .optional()
    .openapi({ description: 'A case-insensitive substring of filename or original_filename, taken literally (% and _ too); trimmed, empty: no filter' }),
  sort_by: z.enum(SORT_FIELDS, { error: `sort_by must be one of ${SORT_FIELDS.join(', ')}` }).default('created_at'),
  // Any case, as the seed's `sort_order.lower()` takes it.
  sort_order: z.preprocess((value) => (typeof value === 'string' ? value.toLowerCase() : value), z.enum(SORT_ORDERS, { error: 'sort_order must be asc or desc' }).default('desc')),
});

export const list = createRoute({
  method: 'get',
  path: '/api/v1/videos/s3-videos',
  operationId: 'listLibraryVideos',
  tags,
  security,
  summary: 'The caller’s library videos, a page at a time',
  description:
    'Searched, sorted (ties by id; videos without a duration last either way) and paged; `total_count` and the page come from one snapshot. Past the last page `videos` is empty. URLs are signed for this answer.',
  request: { query: ListQuerySchema },
  responses: { 200: { description: 'A page of videos', content: { 'application/json': { schema: VideoPageSchema } } }, ...errorResponses(400, 401) },
});

export const recent = createRoute({
  method: 'get',
  path: '/api/v1/videos/s3-videos/recent',
  operationId: 'listRecentLibraryVideos',
  tags,
  security,
  summary: 'The caller’s newest library videos, newest first',
  request: { query: z.object({ limit: wholeNumber('limit', 1, 20, 5) }) },
  responses: { 200: { description: 'The newest videos', content: { 'application/json': { schema: RecentVideosSchema } } }, ...errorResponses(400, 401) },
});

/** The storage key as the by-key route takes it: its slashes raw or %2F-encoded, decoded once. */
export const S3KeyParamsSchema = z.object({
  s3_key: z
    .string()
    .max(500, 's3_key must be at most 500 characters')
    .refine((key) => !key.includes('\u0000'), 's3_key must not contain NUL')
    .openapi({
      param: { name: 's3_key', in: 'path' },
      description: 'The video’s `s3_key`: several path segments (its slashes sent raw or as %2F)',
      example: 'uploads/users/550e8400-e29b-41d4-a716-446655440001/videos/1704123456_0b8f2c1d_my_video.mp4',
    }),
});

/**
 * Documentation only: `{s3_key}` spans several segments, which an OpenAPI route's parameter (one
 * segment) cannot match; the handler is registered on BY_KEY_ROUTING_PATH.
 */
export const byKey = createRoute({
  method: 'get',
  path: '/api/v1/videos/s3-videos/by-key/{s3_key}',
  operationId: 'getLibraryVideoByKey',
  tags,
  security,
  summary: 'One of the caller’s library videos by its storage key',
  description: 'Another user’s key answers 404, as an unknown one does.',
  request: { params: S3KeyParamsSchema },
  responses: { 200: { description: 'The video', content: { 'application/json': { schema: VideoSchema } } }, ...errorResponses(400, 401, 404) },
});

export const BY_KEY_ROUTING_PATH = '/api/v1/videos/s3-videos/by-key/:s3_key{.+}';

export const remove = createRoute({
  method: 'delete',
  path: '/api/v1/videos/s3-videos/{id}',
  operationId: 'deleteLibraryVideo',
  tags,
  security,
  summary: 'Removes a video from the caller’s library',
  description:
    'A soft delete: the video leaves every list and lookup at once, while its objects (video and thumbnail) stay in storage. 404 when it is not the caller’s or already deleted; 409 (details.code VIDEO_IN_USE, details.job_ids) while a queued or processing dubbing job uses it.',
  request: { params: z.object({ id: uuidField('id').openapi({ param: { name: 'id', in: 'path' } }) }) },
  responses: {
    200: { description: 'Deleted', content: { 'application/json': { schema: VideoDeletedSchema } } },
    ...errorResponses(400, 401, 404, 409),
  },
});
