import type { RouteHandler } from '@hono/zod-openapi';
import { z } from '@hono/zod-openapi';
import { touchProfile } from '../../db/feed/profiles.js';
import * as social from '../../db/feed/social.js';
import { findFeedVideo } from '../../db/feed/videos.js';
import type { SignedInUser } from '../../lib/auth/supabase-token.js';
import { ApiError } from '../lib/errors.js';
import { UUID_PATTERN } from '../lib/fields.js';
import type { AppEnv } from '../lib/types.js';
import type * as routes from './social.routes.js';
import { feedVideoView, feedVideoViews, type FeedVideo } from './video-view.js';

type Context = { var: AppEnv['Variables'] };

/** The signed-in user, or undefined on an anonymous request (the feed session middleware sets it only with a token). */
const viewerOf = (c: { get(key: 'user'): SignedInUser }): SignedInUser | undefined => c.get('user') as SignedInUser | undefined;

/**
 * Cursors are base64url JSON, opaque to clients: a ranked one names its scroll session (snapshot)
 * and the position of the last video shown; a recent one the last video's created_at (PostgreSQL's
 * text, microseconds kept) and id.
 */
const CursorSchema = z.discriminatedUnion('k', [
  z.object({ k: z.literal('ranked'), s: z.string().regex(UUID_PATTERN), p: z.number().int().min(0).max(social.SNAPSHOT_MAX_VIDEOS) }),
  z.object({
    k: z.literal('recent'),
    t: z.string().refine((text) => {
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(text)) return false;
      const millis = `${text.slice(0, 23)}Z`;
      return !Number.isNaN(Date.parse(millis)) && new Date(millis).toISOString() === millis;
    }),
    i: z.string().regex(UUID_PATTERN),
  }),
]);
type Cursor = z.infer<typeof CursorSchema>;

const encodeCursor = (cursor: Cursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url');

function invalidCursor(reason: string): ApiError {
  return new ApiError(400, 'ValidationError', `cursor: ${reason}; start again without a cursor.`, { code: 'INVALID_CURSOR' });
}

function decodeCursor<K extends Cursor['k']>(text: string, kind: K): Extract<Cursor, { k: K }> {
  let parsed: unknown;
  try {
    parsed = /^[A-Za-z0-9_-]+$/.test(text) ? JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) : undefined;
  } catch {
    parsed = undefined;
  }
  const cursor = CursorSchema.safeParse(parsed);
  if (!cursor.success) throw invalidCursor('not a cursor this feed gave');
  if (cursor.data.k !== kind) throw invalidCursor(`a ${cursor.data.k} cursor cannot page the ${kind} feed`);
  return cursor.data as Extract<Cursor, { k: K }>;
}

function feedResponse(videos: FeedVideo[], next: Cursor | undefined) {
  return next ? { videos, nextCursor: encodeCursor(next), hasMore: true } : { videos, hasMore: false };
}

export const feed: RouteHandler<typeof routes.feed, AppEnv> = async (c) => {
  const { cursor, limit, sort } = c.req.valid('query');
  const { deps } = c.var;
  if (sort === 'recent') {
    const after = cursor === undefined ? null : decodeCursor(cursor, 'recent');
    const page = await social.recentPage(deps.sql, after && { createdAt: after.t, id: after.i }, limit);
    const last = page.rows.at(-1);
    const next = page.hasMore && last ? { k: 'recent' as const, t: last.key.createdAt, i: last.key.id } : undefined;
    return c.json(feedResponse(await feedVideoViews(deps, page.rows), next), 200);
  }
  const after = cursor === undefined ? { s: await social.startRankedScroll(deps.sql), p: 0 } : decodeCursor(cursor, 'ranked');
  const page = await social.rankedPage(deps.sql, after.s, after.p, limit);
  if (!page) throw invalidCursor('this scroll session is unknown or over an hour old');
  const last = page.rows.at(-1);
  const next = page.hasMore && last ? { k: 'ranked' as const, s: after.s, p: last.position } : undefined;
  return c.json(feedResponse(await feedVideoViews(deps, page.rows), next), 200);
};

export const getVideo: RouteHandler<typeof routes.getVideo, AppEnv> = async (c) => {
  const id = c.req.valid('param').id.toLowerCase();
  const row = await findFeedVideo(c.var.deps.sql, id);
  // Unfinished videos are their owner's business (as in the user's video list).
  if (!row || (row.status !== 'completed' && row.userId !== viewerOf(c)?.id)) throw new ApiError(404, 'NotFound', `Video ${id} not found.`);
  return c.json(await feedVideoView(c.var.deps, row), 200);
};

function refusal(id: string, refused: social.VideoRefusal): ApiError {
  if (refused.outcome === 'not_found') return new ApiError(404, 'NotFound', `Video ${id} not found.`);
  return new ApiError(409, 'Conflict', `Video ${id} is ${refused.status}: only completed videos can be liked, disliked or viewed.`, { code: 'VIDEO_NOT_COMPLETED', status: refused.status });
}

const reactWith =
  (reaction: social.Reaction): RouteHandler<typeof routes.like, AppEnv> =>
  async (c) => {
    const id = c.req.valid('param').id.toLowerCase();
    const { sql } = c.var.deps;
    const result = await social.react(sql, id, c.var.user.id, reaction);
    if (result.outcome !== 'ok') throw refusal(id, result);
    // Its own statement: inside the reaction's transaction it would hold the profile row's lock too.
    await touchProfile(sql, c.var.user.id);
    return c.json({ success: true as const, likes: result.likes, dislikes: result.dislikes }, 200);
  };

export const like = reactWith('like');
export const dislike = reactWith('dislike');

export const view: RouteHandler<typeof routes.view, AppEnv> = async (c) => {
  const id = c.req.valid('param').id.toLowerCase();
  const sessionId = c.req.valid('header')['x-session-id'] ?? c.req.valid('json').session_id ?? null;
  const user = viewerOf(c);
  if (!user && sessionId === null) {
    throw new ApiError(400, 'ValidationError', 'session_id: an anonymous view needs a session id (X-Session-Id header or session_id in the body).', [
      { field: 'session_id', message: 'required without a signed-in user' },
    ]);
  }
  const { sql } = c.var.deps;
  const viewer: social.Viewer = user ? { userId: user.id, sessionId } : { userId: null, sessionId: sessionId! };
  const result = await social.recordView(sql, id, viewer);
  if (result.outcome !== 'ok') throw refusal(id, result);
  if (user) await touchProfile(sql, user.id);
  return c.json({ success: true as const, views: result.views }, 200);
};

/** The seed's UserProfile (plus avatar, views and score); the email only for its owner. */
function profileView(row: social.UserProfileRow, viewerId: string) {
  return {
    id: row.id,
    username: row.username,
    email: row.id === viewerId ? (row.email ?? '') : '',
    avatarUrl: row.avatarUrl,
    videosCreated: row.videosCreated,
    totalLikes: row.totalLikes,
    totalDislikes: row.totalDislikes,
    totalViews: row.totalViews,
    creatorScore: row.creatorScore,
    lastActiveAt: row.lastActiveAt.toISOString(),
    createdAt: row.createdAt.toISOString(),
  };
}

async function existingProfile(c: Context, id: string): Promise<social.UserProfileRow> {
  const row = await social.findUserProfile(c.var.deps.sql, id);
  if (!row) throw new ApiError(404, 'NotFound', `User ${id} not found.`);
  return row;
}

export const top: RouteHandler<typeof routes.top, AppEnv> = async (c) => {
  const rows = await social.topCreators(c.var.deps.sql, c.req.valid('query').limit);
  return c.json(rows.map((row) => ({ ...profileView(row, c.var.user.id), rank: row.rank })), 200);
};

export const getUser: RouteHandler<typeof routes.getUser, AppEnv> = async (c) => {
  const row = await existingProfile(c, c.req.valid('param').id);
  return c.json(profileView(row, c.var.user.id), 200);
};

export const updateUser: RouteHandler<typeof routes.updateUser, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const updated = await social.updateProfile(c.var.deps.sql, id, c.req.valid('json'));
  if (updated === 'taken') throw new ApiError(409, 'Conflict', 'This username is taken.', { code: 'USERNAME_TAKEN' });
  if (!updated) throw new ApiError(404, 'NotFound', `User ${id} not found.`);
  return c.json(profileView(updated, c.var.user.id), 200);
};

export const userVideos: RouteHandler<typeof routes.userVideos, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  await existingProfile(c, id);
  const rows = await social.userVideos(c.var.deps.sql, id, id === c.var.user.id, c.req.valid('query').limit);
  return c.json(await feedVideoViews(c.var.deps, rows), 200);
};

export const likedVideos: RouteHandler<typeof routes.likedVideos, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  await existingProfile(c, id);
  const rows = await social.likedVideos(c.var.deps.sql, id, c.req.valid('query').limit);
  return c.json(await feedVideoViews(c.var.deps, rows), 200);
};
