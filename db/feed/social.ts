import type { Queryable, Sql } from '../client.js';
import { FEED_VIDEO_COLUMNS, FEED_VIDEO_FROM, readFeedVideo, type FeedVideoRow, type FeedVideoStatus, type RawFeedVideoRow } from './videos.js';

/**
 * The feed's social side (docs/feed.md): reactions and views (the counters follow by trigger), the
 * ranked and recent feeds, profiles with their creator stats, and the leaderboard.
 */

export type Reaction = 'like' | 'dislike';
/** Why a reaction or view was not recorded: no such video, or one that is not completed. */
export type VideoRefusal = { outcome: 'not_found' } | { outcome: 'not_completed'; status: FeedVideoStatus };

/** The video's status, its row kept from deletion until the transaction ends; a refusal when it is not completed. */
async function completedVideo(sql: Queryable, videoId: string): Promise<VideoRefusal | undefined> {
  const [video] = await sql<{ status: FeedVideoStatus }[]>`select status from feed_videos where id = ${videoId}::uuid for key share`;
  if (!video) return { outcome: 'not_found' };
  return video.status === 'completed' ? undefined : { outcome: 'not_completed', status: video.status };
}

/**
 * The user's reaction to a completed video: made, switched (one count moves to the other) or kept
 * as it is (repeating is a no-op). One user's reactions to one video are serialised by an advisory
 * lock, so parallel requests count once. Returns the counts as stored after it.
 */
export async function react(sql: Sql, videoId: string, userId: string, reaction: Reaction): Promise<{ outcome: 'ok'; likes: number; dislikes: number } | VideoRefusal> {
  return sql.begin(async (tx) => {
    const refused = await completedVideo(tx, videoId);
    if (refused) return refused;
    await tx`select pg_advisory_xact_lock(hashtextextended(${`feed-reaction:${videoId}:${userId}`}, 0))`;
    await tx`
      insert into video_reactions (video_id, user_id, reaction) values (${videoId}::uuid, ${userId}, ${reaction})
      on conflict (video_id, user_id) do update set reaction = excluded.reaction, updated_at = now()
      where video_reactions.reaction <> excluded.reaction`;
    const [counts] = await tx<{ likes: number; dislikes: number }[]>`
      select likes_count as likes, dislikes_count as dislikes from feed_videos where id = ${videoId}::uuid`;
    return { outcome: 'ok' as const, ...counts! };
  });
}

/** Who watched: a signed-in user (`user:<id>`), else an anonymous session (`session:<id>`). */
export type Viewer = { userId: string; sessionId: string | null } | { userId: null; sessionId: string };

/**
 * Records a view of a completed video once per viewer and UTC day (later ones that day change
 * nothing). Returns the stored view count.
 */
export async function recordView(sql: Sql, videoId: string, viewer: Viewer): Promise<{ outcome: 'ok'; views: number } | VideoRefusal> {
  return sql.begin(async (tx) => {
    const refused = await completedVideo(tx, videoId);
    if (refused) return refused;
    const key = viewer.userId !== null ? `user:${viewer.userId}` : `session:${viewer.sessionId}`;
    await tx`
      insert into video_views (video_id, user_id, session_id, viewer, view_day)
      values (${videoId}::uuid, ${viewer.userId}, ${viewer.sessionId}, ${key}, (now() at time zone 'UTC')::date)
      on conflict (video_id, viewer, view_day) do nothing`;
    const [row] = await tx<{ views: number }[]>`select views_count as views from feed_videos where id = ${videoId}::uuid`;
    return { outcome: 'ok' as const, views: row!.views };
  });
}

/** A ranked scroll session covers at most this many videos (the best-ranked when it began). */
export const SNAPSHOT_MAX_VIDEOS = 2000;
/** A ranked scroll session can be continued this long after its first page. */
export const SNAPSHOT_LIFETIME = '1 hour';

/**
 * Starts a ranked scroll session: the ids of the completed videos in ranking_score v1 order now
 * (ties by id), at most SNAPSHOT_MAX_VIDEOS; sessions past SNAPSHOT_LIFETIME are deleted on the way.
 * Returns the snapshot's id.
 */
export async function startRankedScroll(sql: Queryable): Promise<string> {
  const [snapshot] = await sql<{ id: string }[]>`
    with expired as (delete from feed_snapshots where created_at < now() - ${SNAPSHOT_LIFETIME}::interval)
    insert into feed_snapshots (video_ids)
    select coalesce(array_agg(id order by score desc, id desc), '{}') from (
      select id, feed_ranking_score(likes_count, dislikes_count, views_count, created_at, now()) as score
      from feed_videos where status = 'completed'
      order by score desc, id desc limit ${SNAPSHOT_MAX_VIDEOS}) ranked
    returning id::text as id`;
  return snapshot!.id;
}

export interface Page<Row> {
  rows: Row[];
  hasMore: boolean;
}

/**
 * The videos of a ranked scroll session after 1-based position `after`, in the session's order:
 * those deleted or no longer completed since are skipped. `position` is each one's place in the
 * session (the next page starts after the last one's). Undefined when the session is unknown or
 * older than SNAPSHOT_LIFETIME.
 */
export async function rankedPage(sql: Queryable, snapshotId: string, after: number, limit: number): Promise<Page<FeedVideoRow & { position: number }> | undefined> {
  const [live] = await sql`select 1 from feed_snapshots where id = ${snapshotId}::uuid and created_at >= now() - ${SNAPSHOT_LIFETIME}::interval`;
  if (!live) return undefined;
  const rows = await sql<(RawFeedVideoRow & { position: number })[]>`
    select ${sql.unsafe(FEED_VIDEO_COLUMNS)}, u.position::int as position
    from feed_snapshots s cross join lateral unnest(s.video_ids) with ordinality as u(id, position)
    join feed_videos v on v.id = u.id join profiles p on p.id = v.user_id
    where s.id = ${snapshotId}::uuid and u.position > ${after} and v.status = 'completed'
    order by u.position limit ${limit + 1}`;
  return { rows: rows.slice(0, limit).map(readFeedVideo), hasMore: rows.length > limit };
}

/** Where a recent page starts: after this video, its created_at as PostgreSQL's text in UTC to the microsecond. */
export interface RecentKey {
  createdAt: string;
  id: string;
}

/**
 * Completed videos newest first (ties by id), after `after`; `key` of each continues the paging.
 * The key's time goes in as text: a timestamptz parameter would pass through a JS Date (milliseconds).
 */
export async function recentPage(sql: Queryable, after: RecentKey | null, limit: number): Promise<Page<FeedVideoRow & { key: RecentKey }>> {
  const rows = await sql<(RawFeedVideoRow & { keyTime: string })[]>`
    select ${sql.unsafe(FEED_VIDEO_COLUMNS)}, to_char(v.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "keyTime"
    from ${sql.unsafe(FEED_VIDEO_FROM)}
    where v.status = 'completed' ${after ? sql`and (v.created_at, v.id) < (${after.createdAt}::text::timestamptz, ${after.id}::uuid)` : sql``}
    order by v.created_at desc, v.id desc limit ${limit + 1}`;
  return {
    rows: rows.slice(0, limit).map(({ keyTime, ...row }) => ({ ...readFeedVideo(row), key: { createdAt: keyTime, id: row.id } })),
    hasMore: rows.length > limit,
  };
}

/** A profile with its creator stats (zero before the first video). */
export interface UserProfileRow {
  id: string;
  username: string;
  email: string | null;
  avatarUrl: string | null;
  videosCreated: number;
  totalLikes: number;
  totalDislikes: number;
  totalViews: number;
  /** creator_score v1 (docs/feed.md). */
  creatorScore: number;
  lastActiveAt: Date;
  createdAt: Date;
}

const PROFILE_STATS_COLUMNS = `p.id, p.username, p.email, p.avatar_url as "avatarUrl", coalesce(s.videos_created, 0) as "videosCreated",
  coalesce(s.total_likes, 0) as "totalLikes", coalesce(s.total_dislikes, 0) as "totalDislikes", coalesce(s.total_views, 0) as "totalViews",
  coalesce(s.creator_score, 0)::float8 as "creatorScore", p.last_active_at as "lastActiveAt", p.created_at as "createdAt"`;

export async function findUserProfile(sql: Queryable, userId: string): Promise<UserProfileRow | undefined> {
  const [row] = await sql<UserProfileRow[]>`
    select ${sql.unsafe(PROFILE_STATS_COLUMNS)} from profiles p left join creator_stats s on s.user_id = p.id where p.id = ${userId}`;
  return row;
}

/** What a user may change of their profile; absent fields stay as they are. */
export interface ProfileChanges {
  /** Already lower-case and valid (3–30 of [a-z0-9_]). */
  username?: string;
  avatarUrl?: string | null;
}

/**
 * Applies the changes (and moves last_active_at: this is a write of the user's). 'taken' when
 * another profile has the username; undefined when there is no such profile.
 */
export async function updateProfile(sql: Sql, userId: string, changes: ProfileChanges): Promise<UserProfileRow | 'taken' | undefined> {
  const changed = changes.username !== undefined || changes.avatarUrl !== undefined;
  try {
    await sql`
      update profiles set
        username = coalesce(${changes.username ?? null}::text, username),
        avatar_url = case when ${changes.avatarUrl !== undefined} then ${changes.avatarUrl ?? null}::text else avatar_url end,
        updated_at = case when ${changed} then now() else updated_at end,
        last_active_at = now()
      where id = ${userId}`;
  } catch (error) {
    if (error instanceof Error && 'constraint_name' in error && error.constraint_name === 'profiles_username') return 'taken';
    throw error;
  }
  return findUserProfile(sql, userId);
}

/** The user's videos newest first: every status when `includeUnfinished` (the owner asking), else completed ones. */
export async function userVideos(sql: Queryable, userId: string, includeUnfinished: boolean, limit: number): Promise<FeedVideoRow[]> {
  const rows = await sql<RawFeedVideoRow[]>`
    select ${sql.unsafe(FEED_VIDEO_COLUMNS)} from ${sql.unsafe(FEED_VIDEO_FROM)}
    where v.user_id = ${userId} ${includeUnfinished ? sql`` : sql`and v.status = 'completed'`}
    order by v.created_at desc, v.id desc limit ${limit}`;
  return rows.map(readFeedVideo);
}

/** The completed videos the user likes, most recently liked first. */
export async function likedVideos(sql: Queryable, userId: string, limit: number): Promise<FeedVideoRow[]> {
  const rows = await sql<RawFeedVideoRow[]>`
    select ${sql.unsafe(FEED_VIDEO_COLUMNS)}
    from video_reactions r join feed_videos v on v.id = r.video_id join profiles p on p.id = v.user_id
    where r.user_id = ${userId} and r.reaction = 'like' and v.status = 'completed'
    order by r.updated_at desc, r.id desc limit ${limit}`;
  return rows.map(readFeedVideo);
}

/** The leaderboard: creators by creator_score (ties by id), read from creator_stats; `rank` is 1-based. */
export async function topCreators(sql: Queryable, limit: number): Promise<(UserProfileRow & { rank: number })[]> {
  return sql<(UserProfileRow & { rank: number })[]>`
    select ${sql.unsafe(PROFILE_STATS_COLUMNS)}, row_number() over (order by s.creator_score desc, s.user_id)::int as rank
    from creator_stats s join profiles p on p.id = s.user_id
    order by s.creator_score desc, s.user_id limit ${limit}`;
}
