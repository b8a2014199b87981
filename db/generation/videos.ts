import type { Queryable, Tx } from '../client.js';
import type { GenerationSpec, GenerationType } from '../../workflows/generation/contract.js';
import { specColumns } from './jobs.js';

/** The seed's UserVideo rows: made by a completed generation job, kept after the job expires. */

export interface GeneratedVideo {
  id: string;
  accountId: string;
  jobId: number | null;
  prompt: string;
  generationType: GenerationType;
  sourceImageUrl: string | null;
  durationSeconds: number;
  resolution: string;
  aspectRatio: string;
  referencePerson: GenerationSpec['referencePerson'];
  metadata: Record<string, unknown>;
  isFavorited: boolean;
  videoKey: string;
  thumbnailKey: string;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = `id::text as id, account_id as "accountId", job_id as "jobId", prompt, generation_type as "generationType",
  source_image_url as "sourceImageUrl", duration_seconds as "durationSeconds", resolution, aspect_ratio as "aspectRatio",
  reference_person as "referencePerson", metadata, is_favorited as "isFavorited", video_key as "videoKey",
  thumbnail_key as "thumbnailKey", created_at as "createdAt", updated_at as "updatedAt"`;

export interface NewVideo {
  accountId: string;
  jobId: number;
  spec: GenerationSpec;
  /** Measured from the file (ffprobe), not the request. */
  durationSeconds: number;
  metadata: Record<string, unknown>;
  videoKey: string;
  thumbnailKey: string;
}

/** Saves the job's video unless it already has one (activities run at least once). Returns its id. */
export async function saveVideo(sql: Queryable, video: NewVideo): Promise<string> {
  await sql`
    insert into generated_videos ${sql({
      account_id: video.accountId,
      job_id: video.jobId,
      ...specColumns(sql, video.spec),
      duration_seconds: video.durationSeconds,
      metadata: sql.json(video.metadata as Record<string, string | number | boolean | null>),
      video_key: video.videoKey,
      thumbnail_key: video.thumbnailKey,
    })}
    on conflict (job_id) do nothing`;
  const [row] = await sql<{ id: string }[]>`select id::text as id from generated_videos where job_id = ${video.jobId}`;
  return row!.id;
}

export async function findVideo(sql: Queryable, id: string): Promise<GeneratedVideo | undefined> {
  const [row] = await sql<GeneratedVideo[]>`select ${sql.unsafe(COLUMNS)} from generated_videos where id = ${id}::uuid`;
  return row;
}

export async function videoOfJob(sql: Queryable, jobId: number): Promise<GeneratedVideo | undefined> {
  const [row] = await sql<GeneratedVideo[]>`select ${sql.unsafe(COLUMNS)} from generated_videos where job_id = ${jobId}`;
  return row;
}

export interface VideoListFilter {
  accountId: string;
  limit: number;
  offset: number;
  favoritesOnly: boolean;
  type: GenerationType | 'all';
}

/** The account's videos, newest first, and how many match in all. */
export async function listVideos(sql: Queryable, filter: VideoListFilter): Promise<{ videos: GeneratedVideo[]; total: number }> {
  const where = sql`account_id = ${filter.accountId}
    ${filter.favoritesOnly ? sql`and is_favorited` : sql``}
    ${filter.type === 'all' ? sql`` : sql`and generation_type = ${filter.type}`}`;
  const [videos, [count]] = await Promise.all([
    sql<GeneratedVideo[]>`select ${sql.unsafe(COLUMNS)} from generated_videos where ${where} order by created_at desc, id desc limit ${filter.limit} offset ${filter.offset}`,
    sql<{ total: number }[]>`select count(*)::int as total from generated_videos where ${where}`,
  ]);
  return { videos, total: count?.total ?? 0 };
}

export async function setFavorite(sql: Queryable, id: string, isFavorited: boolean): Promise<GeneratedVideo | undefined> {
  const [row] = await sql<GeneratedVideo[]>`
    update generated_videos set is_favorited = ${isFavorited}, updated_at = now() where id = ${id}::uuid
    returning ${sql.unsafe(COLUMNS)}`;
  return row;
}

/** Deletes the row (locked first so two deletes cannot both remove the media); returns it if this call deleted it. */
export async function deleteVideo(tx: Tx, id: string): Promise<GeneratedVideo | undefined> {
  const [row] = await tx<GeneratedVideo[]>`delete from generated_videos where id = ${id}::uuid returning ${tx.unsafe(COLUMNS)}`;
  return row;
}
