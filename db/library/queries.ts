import type { Queryable, Sql } from '../client.js';
import { ACTIVE_STATUSES } from '../../workflows/dubbing/contract.js';
import { VIDEO_COLUMNS, type LibraryVideo } from './videos.js';

/**
 * The library's reads and its soft delete (../shared/seeds/s3-video-library-api.md): a user's
 * own videos, paged, searched and sorted; the newest few; one removed from every read while its
 * objects stay in storage.
 */

export const SORT_FIELDS = ['created_at', 'filename', 'file_size', 'duration'] as const;
export type SortField = (typeof SORT_FIELDS)[number];
export const SORT_ORDERS = ['asc', 'desc'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

/**
 * ORDER BY clauses, the only SQL a request's sort picks: ties broken by id (a total, stable order)
 * in the same direction, so an index serves either one; durations a container did not state come
 * last both ways.
 */
const ORDER_BY: Record<SortField, Record<SortOrder, string>> = {
  created_at: { asc: 'created_at asc, id asc', desc: 'created_at desc, id desc' },
  filename: { asc: 'filename asc, id asc', desc: 'filename desc, id desc' },
  file_size: { asc: 'file_size asc, id asc', desc: 'file_size desc, id desc' },
  duration: { asc: 'duration asc nulls last, id asc', desc: 'duration desc nulls last, id desc' },
};

export interface LibraryPageRequest {
  userId: string;
  /** 1-based. */
  page: number;
  pageSize: number;
  /** A case-insensitive substring of `filename` or `original_filename`, taken literally; null: every video. */
  search: string | null;
  sortBy: SortField;
  sortOrder: SortOrder;
}

/** `term` as an ILIKE pattern matching it anywhere, its LIKE metacharacters (`%`, `_`, `\`, the default escape) literal. */
export function substringPattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, '\\$&')}%`;
}

/**
 * The page's query, not yet run: how many videos match and the page's rows in one statement (one
 * snapshot, so a concurrent upload or delete cannot make them disagree). Always one row or more:
 * past the last page a single row with the total and null video columns. Exported for EXPLAIN.
 */
export function libraryPageQuery(sql: Queryable, request: LibraryPageRequest) {
  const matching = sql`user_id = ${request.userId} and deleted_at is null
    ${request.search === null ? sql`` : sql`and (filename ilike ${substringPattern(request.search)} or original_filename ilike ${substringPattern(request.search)})`}`;
  return sql<({ total: number } & (LibraryVideo | { [K in keyof LibraryVideo]: null }))[]>`
    select counted.total, page.*
    from (select count(*)::int as total from videos where ${matching}) counted
    left join lateral (
      select ${sql.unsafe(VIDEO_COLUMNS)} from videos where ${matching}
      order by ${sql.unsafe(ORDER_BY[request.sortBy][request.sortOrder])}
      limit ${request.pageSize} offset ${(request.page - 1) * request.pageSize}
    ) page on true`;
}

/** A page of the user's videos and how many match in all; `videos` is empty past the last page. */
export async function listLibraryVideos(sql: Queryable, request: LibraryPageRequest): Promise<{ videos: LibraryVideo[]; total: number }> {
  const rows = await libraryPageQuery(sql, request);
  const videos: LibraryVideo[] = [];
  for (const { total: _total, ...video } of rows) if (video.id !== null) videos.push(video);
  return { videos, total: rows[0]?.total ?? 0 };
}

/** The user's newest `limit` videos, newest first. */
export async function recentLibraryVideos(sql: Queryable, userId: string, limit: number): Promise<LibraryVideo[]> {
  return sql<LibraryVideo[]>`
    select ${sql.unsafe(VIDEO_COLUMNS)} from videos where user_id = ${userId} and deleted_at is null
    order by created_at desc, id desc limit ${limit}`;
}

export type SoftDeleteOutcome =
  | { outcome: 'deleted'; deletedAt: Date }
  /** Not the user's, deleted already, or absent. */
  | { outcome: 'not_found' }
  /** Active dubbing jobs (their keys, oldest first) take it as their source. */
  | { outcome: 'in_use'; jobKeys: string[] };

/**
 * Marks the user's video deleted (`deleted_at`), unless an active dubbing job uses it. Race-safe
 * against dubbing job creation, which reads the video `for share` before adding its job: the row
 * is locked first, and the active jobs are looked up in a later statement, which (READ COMMITTED)
 * sees any job committed while this waited for the lock. Of concurrent deletes one wins; the
 * others, re-reading the locked row, find it deleted (`not_found`).
 */
export async function softDeleteLibraryVideo(sql: Sql, userId: string, videoId: string): Promise<SoftDeleteOutcome> {
  return sql.begin(async (tx): Promise<SoftDeleteOutcome> => {
    const [video] = await tx`select id from videos where id = ${videoId}::uuid and user_id = ${userId} and deleted_at is null for update`;
    if (!video) return { outcome: 'not_found' };
    const active = await tx<{ key: string }[]>`
      select j.key::text as key from dubbing_jobs d join jobs j on j.id = d.job_id
      where d.source_video_id = ${videoId}::uuid and j.status in ${tx([...ACTIVE_STATUSES])}
      order by j.id`;
    if (active.length > 0) return { outcome: 'in_use', jobKeys: active.map((job) => job.key) };
    const [deleted] = await tx<{ deletedAt: Date }[]>`
      update videos set deleted_at = now(), updated_at = now() where id = ${videoId}::uuid returning deleted_at as "deletedAt"`;
    return { outcome: 'deleted', deletedAt: deleted!.deletedAt };
  });
}
