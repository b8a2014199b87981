import { randomUUID } from 'node:crypto';
import { ensureProfile, type Profile } from '../../db/feed/profiles.js';
import { findFeedVideo, type FeedVideoRow, type FeedVideoStatus } from '../../db/feed/videos.js';
import { storageKey } from '../../providers/storage/keys.js';
import { signAccessToken } from '../../lib/auth/development-token.js';
import type { GenerationStack, Reply } from './generation-stack.js';

/** What a seeded feed video may set; the rest is a completed 4-second clip's. */
export interface SeededFeedVideo {
  prompt?: string;
  /** Default: completed (with its video and thumbnail stored). */
  status?: FeedVideoStatus;
  /** Default: the insert's now(). */
  createdAt?: Date;
}

/** The bytes behind every seeded video key (the feed only signs URLs; these prove they serve the object). */
export const FEED_VIDEO_BYTES = Buffer.from('a stand-in for a feed video');
export const FEED_THUMBNAIL_BYTES = Buffer.from('a stand-in for a feed thumbnail');

/** The user's profile (and account), as their first authenticated request would make it. */
export function seedProfile(stack: GenerationStack, userId: string, email: string | null = `${userId.slice(0, 8)}@example.test`): Promise<Profile> {
  return ensureProfile(stack.sql, { id: userId, email }, stack.config.DUST_STARTING_BALANCE);
}

/**
 * A feed video of `userId` (whose profile is made on first use) as the creation pipeline would leave
 * it: completed ones with small objects stored under their video and thumbnail keys and an asset
 * row for each; other statuses without media. Rendering is not what these tests test.
 */
export async function seedFeedVideo(stack: GenerationStack, userId: string, seeded: SeededFeedVideo = {}): Promise<FeedVideoRow> {
  await seedProfile(stack, userId);
  const { sql } = stack;
  const status = seeded.status ?? 'completed';
  const id = randomUUID();
  await sql`
    insert into feed_videos (id, user_id, prompt, status, duration_seconds, created_at, updated_at)
    values (${id}::uuid, ${userId}, ${seeded.prompt ?? `A short clip ${id.slice(0, 8)}`}, ${status}, ${status === 'completed' ? 4 : null},
      coalesce(${seeded.createdAt ?? null}::timestamptz, now()), coalesce(${seeded.createdAt ?? null}::timestamptz, now()))`;
  if (status === 'completed') {
    const storage = stack.providers.storage;
    const videoKey = storageKey({ user: userId }, 'feed-video', 'mp4');
    const thumbnailKey = storageKey({ user: userId }, 'feed-thumbnail', 'jpg');
    await Promise.all([storage.putBuffer(videoKey, FEED_VIDEO_BYTES, 'video/mp4'), storage.putBuffer(thumbnailKey, FEED_THUMBNAIL_BYTES, 'image/jpeg')]);
    await sql`
      insert into feed_video_assets (video_id, asset_type, storage_backend, storage_key, duration_seconds)
      values (${id}::uuid, 'video', ${storage.backend}, ${videoKey}, 4), (${id}::uuid, 'thumbnail', ${storage.backend}, ${thumbnailKey}, null)`;
  }
  return (await findFeedVideo(sql, id))!;
}

/** Several completed videos of one user, oldest first (a second apart, ending now unless told). */
export async function seedFeedVideos(stack: GenerationStack, userId: string, count: number, endingAt = Date.now()): Promise<FeedVideoRow[]> {
  const rows: FeedVideoRow[] = [];
  for (let i = 0; i < count; i++) rows.push(await seedFeedVideo(stack, userId, { createdAt: new Date(endingAt - (count - 1 - i) * 1000) }));
  return rows;
}

type Method = 'GET' | 'POST' | 'PATCH';

/**
 * A client of the feed app (paths relative to FEED_BASE_PATH): signed in as `userId` (a fresh user
 * by default) with `email` in the token, or anonymous. Bodies are sent as JSON when given.
 */
export async function feedClient(stack: GenerationStack, who: { userId?: string; email?: string } | 'anonymous' = {}) {
  const userId = who === 'anonymous' ? null : (who.userId ?? randomUUID());
  const token =
    userId === null
      ? null
      : await signAccessToken({ secret: stack.config.SUPABASE_JWT_SECRET!, userId, audience: stack.config.SUPABASE_JWT_AUDIENCE, email: who === 'anonymous' ? undefined : who.email });
  async function call<T>(method: Method, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
    const response = await fetch(`${stack.url}${stack.config.FEED_BASE_PATH}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as T };
  }
  return {
    userId: userId ?? '',
    get: <T = Record<string, unknown>>(path: string, headers?: Record<string, string>) => call<T>('GET', path, undefined, headers),
    post: <T = Record<string, unknown>>(path: string, body?: unknown, headers?: Record<string, string>) => call<T>('POST', path, body, headers),
    patch: <T = Record<string, unknown>>(path: string, body: unknown, headers?: Record<string, string>) => call<T>('PATCH', path, body, headers),
  };
}

export type FeedClient = Awaited<ReturnType<typeof feedClient>>;
