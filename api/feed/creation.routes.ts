import { createRoute } from '@hono/zod-openapi';
import { ErrorSchema, errorResponses } from '../lib/errors.js';
import { CreateVideoBodySchema, SyncedVideoSchema, VideoParamSchema } from './creation-schemas.js';
import { FeedVideoSchema } from './schemas.js';

/** The feed's creation endpoints (paths relative to FEED_BASE_PATH); each needs a Supabase access token. */

const tags = ['Feed'];
const security = [{ SupabaseToken: [] }];

const rateLimitHeaders = {
  'RateLimit-Policy': {
    description: 'draft-ietf-httpapi-ratelimit-headers: `"queue";q=<VIDEO_QUEUE_MAXSIZE>;qu="concurrent-requests"` (videos waiting, everyone’s) and `"cooldown";q=1;w=<VIDEO_CREATION_COOLDOWN_SECONDS>` (per user; absent when 0)',
    schema: { type: 'string' as const, example: '"queue";q=10;qu="concurrent-requests", "cooldown";q=1;w=120' },
  },
  RateLimit: {
    description: 'What is left under each policy (`r`) and for how many seconds (`t`, when known)',
    schema: { type: 'string' as const, example: '"queue";r=7, "cooldown";r=0;t=120' },
  },
};

const created = {
  201: { description: 'Accepted: the new video, `pending` until a render slot frees', headers: rateLimitHeaders, content: { 'application/json': { schema: FeedVideoSchema } } },
  429: {
    description: 'Too many videos waiting, or this user created one too recently: nothing was created',
    headers: { ...rateLimitHeaders, 'Retry-After': { description: 'Seconds until a retry may be admitted', schema: { type: 'integer' as const, example: 87 } } },
    content: { 'application/json': { schema: ErrorSchema } },
  },
};

const admission =
  'At most VIDEO_QUEUE_MAXSIZE videos wait (pending or processing) at once, and a user creates at most one per VIDEO_CREATION_COOLDOWN_SECONDS: ' +
  'otherwise 429 with Retry-After. Renders run VIDEO_MAX_CONCURRENT_GENERATIONS at a time. FEED_VIDEO_COST DUST is debited when set (402 when short; refunded if the video fails).';

export const create = createRoute({
  method: 'post',
  path: '/videos/create',
  operationId: 'createFeedVideo',
  tags,
  security,
  summary: 'Create a video from a prompt',
  description: `Starts a text-to-video render (5 s, 9:16, 720p); poll sync-status until \`completed\` or \`failed\`. ${admission}`,
  request: { body: { content: { 'application/json': { schema: CreateVideoBodySchema } }, required: true } },
  responses: { ...created, ...errorResponses(400, 401, 402, 503) },
});

export const recreate = createRoute({
  method: 'post',
  path: '/videos/{id}/recreate',
  operationId: 'recreateFeedVideo',
  tags,
  security,
  summary: 'Create a new video with an existing video’s prompt',
  description: `Any completed video, anyone’s, or one of the caller’s own in any status (404 otherwise): the new one is the caller’s, with \`sourceVideoId\` naming the original. ${admission}`,
  request: { params: VideoParamSchema },
  responses: { ...created, ...errorResponses(401, 402, 404, 503) },
});

export const syncStatus = createRoute({
  method: 'post',
  path: '/videos/{id}/sync-status',
  operationId: 'syncFeedVideoStatus',
  tags,
  security,
  summary: 'The caller’s video as it is now, its job asked for its latest state',
  description:
    'The owner only (403 for anyone else). Asks Temporal for the job’s workflow and its render now; a video whose job ended without recording it (terminated, timed out) is marked failed here, its DUST refunded. ' +
    'With GENERATION_PROVIDER=http, `job.providerStatus` is the prediction’s status as the running render last polled it. The seed’s optional body (`operationName`, `sceneId`) is not needed and ignored.',
  request: { params: VideoParamSchema },
  responses: {
    200: { description: 'The fresh video, why it failed if it did, and its job', content: { 'application/json': { schema: SyncedVideoSchema } } },
    ...errorResponses(401, 403, 404),
  },
});
