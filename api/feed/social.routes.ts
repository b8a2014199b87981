import { createRoute, z } from '@hono/zod-openapi';
import { createMiddleware } from 'hono/factory';
import { ApiError, errorResponses } from '../lib/errors.js';
import { uuidField } from '../lib/fields.js';
import { requireUser } from '../lib/require-user.js';
import type { AppEnv } from '../lib/types.js';
import { FeedResponseSchema, FeedVideoListSchema, FeedVideoSchema, RankedUserProfileSchema, UserProfileSchema } from './schemas.js';

/** The feed's reading and social endpoints (../shared/seeds/feed-backend-integration-plan.md), relative to FEED_BASE_PATH. */

const tags = ['Feed'];
const security = [{ SupabaseToken: [] }];
const optionalSecurity: Record<string, string[]>[] = [{}, { SupabaseToken: [] }];
const signedIn = requireUser();

/** Absent or empty (the seed's client sends `?cursor=&limit=`) → the default. */
const blankAsAbsent = (value: unknown) => (value === '' ? undefined : value);

/** A whole-number query parameter from `min` to `max`; the 400 names it. */
const wholeNumber = (field: string, min: number, max: number, fallback: number) =>
  z.preprocess(
    blankAsAbsent,
    z.coerce
      .number({ error: `${field} must be a number` })
      .int(`${field} must be a whole number`)
      .min(min, `${field} must be from ${min} to ${max}`)
      .max(max, `${field} must be from ${min} to ${max}`)
      .default(fallback),
  );

const VideoParams = z.object({ id: uuidField('id').openapi({ param: { name: 'id', in: 'path' } }) });
const UserParams = z.object({ id: z.string().min(1).max(128).openapi({ param: { name: 'id', in: 'path' }, description: 'The user’s id (their Supabase user id)' }) });

export const FeedQuerySchema = z.object({
  cursor: z
    .preprocess(blankAsAbsent, z.string().max(512, 'cursor is not one this feed gave').optional())
    .openapi({ type: 'string', description: 'The previous page’s nextCursor; absent or empty for the first page' }),
  limit: wholeNumber('limit', 1, 50, 20),
  sort: z.preprocess(blankAsAbsent, z.enum(['ranked', 'recent'], { error: 'sort must be ranked or recent' }).default('ranked')),
});

export const feed = createRoute({
  method: 'get',
  path: '/videos/feed',
  operationId: 'getFeed',
  tags,
  security: optionalSecurity,
  summary: 'The feed of completed videos, a page at a time (anonymous allowed)',
  description:
    '`ranked` (default): by ranking_score v1. The first page freezes the order of the 2,000 best-ranked videos for an hour-long scroll session; its cursors page through that order, so scores and new videos changing meanwhile never repeat or skip a video (videos deleted since are left out). ' +
    '`recent`: newest first, keyset on (createdAt, id). A cursor that is malformed, of the other sort, or of a session over an hour old answers 400 with details.code INVALID_CURSOR: start again without one.',
  request: { query: FeedQuerySchema },
  responses: { 200: { description: 'A page of the feed', content: { 'application/json': { schema: FeedResponseSchema } } }, ...errorResponses(400, 401) },
});

export const getVideo = createRoute({
  method: 'get',
  path: '/videos/{id}',
  operationId: 'getFeedVideo',
  tags,
  security: optionalSecurity,
  summary: 'One video with its stored media (anonymous allowed)',
  description: 'A video that is not completed is shown to its owner only (404 for everyone else). Every URL is signed for this answer.',
  request: { params: VideoParams },
  responses: { 200: { description: 'The video', content: { 'application/json': { schema: FeedVideoSchema } } }, ...errorResponses(400, 401, 404) },
});

const ReactionResultSchema = z
  .object({ success: z.literal(true), likes: z.number().int(), dislikes: z.number().int() })
  .openapi('FeedReactionResult');

const reaction = (kind: 'like' | 'dislike') =>
  createRoute({
    method: 'post',
    path: `/videos/{id}/${kind}`,
    operationId: `${kind}FeedVideo`,
    tags,
    security,
    middleware: [signedIn] as const,
    summary: `The caller ${kind}s a completed video`,
    description:
      'One reaction per user and video: a like then a dislike moves one count to the other; repeating is a no-op (parallel repeats count once). The answer holds the stored counts. 404 for an unknown video, 409 (details.code VIDEO_NOT_COMPLETED) for one not completed.',
    request: { params: VideoParams },
    responses: { 200: { description: 'Recorded', content: { 'application/json': { schema: ReactionResultSchema } } }, ...errorResponses(400, 401, 404, 409) },
  });

export const like = reaction('like');
export const dislike = reaction('dislike');

/** An anonymous viewer's id: 8–128 of [A-Za-z0-9_-] (a UUID fits), kept by the client for its session. */
export const SessionIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,128}$/, 'session_id must be 8-128 characters of A-Z, a-z, 0-9, _ and -');

export const view = createRoute({
  method: 'post',
  path: '/videos/{id}/view',
  operationId: 'recordFeedVideoView',
  tags,
  security: optionalSecurity,
  summary: 'Records a view of a completed video (anonymous allowed with a session id)',
  description:
    'A view counts once per viewer and video per UTC day (00:00–24:00 UTC); later ones that day change nothing and still answer 200. The viewer is the signed-in user, else the anonymous session named by the `X-Session-Id` header or the body’s `session_id` (the header wins when both are sent); an anonymous request with neither answers 400. The answer holds the stored view count. 404 for an unknown video, 409 (details.code VIDEO_NOT_COMPLETED) for one not completed.',
  request: {
    params: VideoParams,
    headers: z.object({ 'x-session-id': SessionIdSchema.optional().openapi({ description: 'The anonymous viewer’s session id' }) }),
    body: { content: { 'application/json': { schema: z.object({ session_id: SessionIdSchema.optional() }) } }, required: false },
  },
  responses: {
    200: { description: 'Recorded (or already counted today)', content: { 'application/json': { schema: z.object({ success: z.literal(true), views: z.number().int() }).openapi('FeedViewResult') } } },
    ...errorResponses(400, 401, 404, 409),
  },
});

export const top = createRoute({
  method: 'get',
  path: '/users/top',
  operationId: 'listTopCreators',
  tags,
  security,
  middleware: [signedIn] as const,
  summary: 'The leaderboard: creators by creator_score',
  description: 'creator_score v1 = 3×likes + 0.1×views + videos − 2×dislikes over the creator’s videos, kept current by triggers (docs/feed.md); ties by user id. Creators appear once they have made a video.',
  request: { query: z.object({ limit: wholeNumber('limit', 1, 100, 10) }) },
  responses: { 200: { description: 'Best first', content: { 'application/json': { schema: z.array(RankedUserProfileSchema) } } }, ...errorResponses(400, 401) },
});

export const getUser = createRoute({
  method: 'get',
  path: '/users/{id}',
  operationId: 'getFeedUser',
  tags,
  security,
  middleware: [signedIn] as const,
  summary: 'A user’s profile and creator stats',
  description: '`email` is shown to the profile’s owner only (empty for everyone else).',
  request: { params: UserParams },
  responses: { 200: { description: 'The profile', content: { 'application/json': { schema: UserProfileSchema } } }, ...errorResponses(400, 401, 404) },
});

/** An https URL of at most 2048 characters, without spaces or control characters. */
const AvatarUrlSchema = z
  .string({ error: 'avatarUrl must be an https URL or null' })
  .max(2048, 'avatarUrl must be at most 2048 characters')
  .refine((value) => {
    if (/[\s\p{Cc}]/u.test(value)) return false;
    try {
      const url = new URL(value);
      return url.protocol === 'https:' && url.hostname !== '';
    } catch {
      return false;
    }
  }, 'avatarUrl must be an https URL or null');

export const ProfileChangesSchema = z.object({
  username: z
    .string({ error: 'username must be a string' })
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9_]{3,30}$/, 'username must be 3-30 characters of a-z, 0-9 and _')
    .optional(),
  avatarUrl: AvatarUrlSchema.nullable().optional(),
});

/** Only the profile's owner may go on (403 before the body is looked at). */
const ownProfileOnly = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.param('id') !== c.var.user.id) throw new ApiError(403, 'Forbidden', 'You can only change your own profile.');
  await next();
});

export const updateUser = createRoute({
  method: 'patch',
  path: '/users/{id}',
  operationId: 'updateFeedUser',
  tags,
  security,
  middleware: [signedIn, ownProfileOnly] as const,
  summary: 'Changes the caller’s own profile (username, avatarUrl)',
  description:
    'Other fields (the seed sends a Partial<UserProfile>) are ignored. `username` is trimmed and lower-cased, then must be 3–30 of a-z, 0-9 and _; one another user has answers 409 (details.code USERNAME_TAKEN). `avatarUrl` is an https URL (at most 2048 characters), or null to remove it. Another user’s profile answers 403.',
  request: { params: UserParams, body: { content: { 'application/json': { schema: ProfileChangesSchema } }, required: true } },
  responses: { 200: { description: 'The profile as changed', content: { 'application/json': { schema: UserProfileSchema } } }, ...errorResponses(400, 401, 403, 404, 409) },
});

const VideoListQuery = z.object({ limit: wholeNumber('limit', 1, 100, 50) });

export const userVideos = createRoute({
  method: 'get',
  path: '/users/{id}/videos',
  operationId: 'listFeedUserVideos',
  tags,
  security,
  middleware: [signedIn] as const,
  summary: 'A user’s videos, newest first',
  description: 'The owner sees every video of theirs (pending, processing and failed too); everyone else sees the completed ones. At most `limit` (1–100, default 50).',
  request: { params: UserParams, query: VideoListQuery },
  responses: { 200: { description: 'The videos', content: { 'application/json': { schema: FeedVideoListSchema } } }, ...errorResponses(400, 401, 404) },
});

export const likedVideos = createRoute({
  method: 'get',
  path: '/users/{id}/liked',
  operationId: 'listFeedUserLikedVideos',
  tags,
  security,
  middleware: [signedIn] as const,
  summary: 'The completed videos a user likes, most recently liked first',
  description: 'At most `limit` (1–100, default 50).',
  request: { params: UserParams, query: VideoListQuery },
  responses: { 200: { description: 'The videos', content: { 'application/json': { schema: FeedVideoListSchema } } }, ...errorResponses(400, 401, 404) },
});
