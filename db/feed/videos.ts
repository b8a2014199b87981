import type { Queryable } from '../client.js';

/**
 * The feed's videos as every answer reads them (`feed_videos`, with the creator's username and the
 * stored media of `feed_video_assets`): one select list, so every endpoint shows the same fields.
 */

export type FeedVideoStatus = 'pending' | 'processing' | 'completed' | 'failed';
export type FeedAssetType = 'video' | 'thumbnail';

/** One stored medium of a video (a `feed_video_assets` row). */
export interface FeedAssetRow {
  assetType: FeedAssetType;
  /** The store it was written to: `local` or `s3` (STORAGE_BACKEND at the time). */
  storageBackend: string;
  storageKey: string;
  /** The provider's URL it was copied from, when it came from one. */
  sourceUrl: string | null;
  /** Whole seconds; null when unknown or not a video. */
  durationSeconds: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface FeedVideoRow {
  id: string;
  userId: string;
  username: string;
  prompt: string;
  status: FeedVideoStatus;
  jobId: number | null;
  failureReason: string | null;
  sourceVideoId: string | null;
  /** Seconds of the rendered video; null until known. */
  durationSeconds: number | null;
  likes: number;
  dislikes: number;
  views: number;
  /** ranking_score v1 (docs/feed.md) as of the statement that read the row. */
  rankingScore: number;
  createdAt: Date;
  updatedAt: Date;
  /** Sorted by type: video, then thumbnail. */
  assets: FeedAssetRow[];
}

/**
 * The select list of a FeedVideoRow over `feed_videos v join profiles p on p.id = v.user_id`
 * (FEED_VIDEO_FROM). The assets come as JSON (their timestamps as text; see readFeedVideo).
 */
export const FEED_VIDEO_COLUMNS = `v.id::text as id, v.user_id as "userId", p.username, v.prompt, v.status, v.job_id as "jobId",
  v.failure_reason as "failureReason", v.source_video_id::text as "sourceVideoId", v.duration_seconds::float8 as "durationSeconds",
  v.likes_count as likes, v.dislikes_count as dislikes, v.views_count as views,
  feed_ranking_score(v.likes_count, v.dislikes_count, v.views_count, v.created_at, now()) as "rankingScore",
  v.created_at as "createdAt", v.updated_at as "updatedAt",
  coalesce((select json_agg(json_build_object(
      'assetType', a.asset_type, 'storageBackend', a.storage_backend, 'storageKey', a.storage_key, 'sourceUrl', a.source_url,
      'durationSeconds', a.duration_seconds, 'createdAt', a.created_at, 'updatedAt', a.updated_at) order by a.asset_type desc)
    from feed_video_assets a where a.video_id = v.id), '[]'::json) as assets`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const FEED_VIDEO_FROM = `feed_videos v join profiles p on p.id = v.user_id`;

type RawAsset = Omit<FeedAssetRow, 'createdAt' | 'updatedAt'> & { createdAt: string; updatedAt: string };
/** A row as FEED_VIDEO_COLUMNS selects it, before readFeedVideo. */
export type RawFeedVideoRow = Omit<FeedVideoRow, 'assets'> & { assets: RawAsset[] };

/** A row selected with FEED_VIDEO_COLUMNS (and any extra columns), its asset timestamps made Dates. */
export function readFeedVideo<R extends RawFeedVideoRow>(raw: R): Omit<R, 'assets'> & { assets: FeedAssetRow[] } {
  return {
    ...raw,
    assets: raw.assets.map((asset) => ({ ...asset, createdAt: new Date(asset.createdAt), updatedAt: new Date(asset.updatedAt) })),
  };
}

/** The video by id, in any status; undefined when there is none (or `id` is not a UUID). */
export async function findFeedVideo(sql: Queryable, id: string): Promise<FeedVideoRow | undefined> {
  if (!UUID.test(id)) return undefined;
  const [row] = await sql<RawFeedVideoRow[]>`select ${sql.unsafe(FEED_VIDEO_COLUMNS)} from ${sql.unsafe(FEED_VIDEO_FROM)} where v.id = ${id}::uuid`;
  return row && readFeedVideo(row);
}
