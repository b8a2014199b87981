import type { Queryable } from '../client.js';

/**
 * The video library's rows (`videos`, ../shared/seeds/s3-video-library-api.md): a signed-in user's
 * own videos, uploaded or made by their jobs. Deleted rows (`deleted_at`) are invisible to every
 * read here.
 */

/** What ffprobe said about the file, as the seed's `metadata` shows it (plus what jobs need). */
export interface VideoMetadata {
  /** As displayed: the display matrix's rotation applied ("1080x1920" for a portrait phone clip). */
  resolution: string;
  width: number;
  height: number;
  /** Average frames per second (variable-rate clips too), two decimals. */
  fps: number;
  /** The video stream's codec, ffprobe's name ("h264", "hevc", "vp9"). */
  codec: string;
  /** Bits per second of the whole file; null when the container does not say. */
  bitrate: number | null;
  has_audio: boolean;
  audio_codec: string | null;
  /** Degrees clockwise the player turns the stored frames (0, 90, 180, 270). */
  rotation: number;
  /** ffprobe's format name ("mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm"). */
  container: string;
}

export interface LibraryVideo {
  id: string;
  userId: string;
  filename: string;
  originalFilename: string;
  s3Key: string;
  s3Url: string;
  s3Bucket: string;
  contentType: string;
  fileSize: number;
  /** Seconds, two decimals; null when the container does not say. */
  duration: number | null;
  thumbnailKey: string | null;
  metadata: VideoMetadata | null;
  sha256: string;
  sourceJobId: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export const VIDEO_COLUMNS = `id::text as id, user_id as "userId", filename, original_filename as "originalFilename", s3_key as "s3Key",
  s3_url as "s3Url", s3_bucket as "s3Bucket", content_type as "contentType", file_size::float8 as "fileSize", duration::float8 as duration,
  thumbnail_s3_key as "thumbnailKey", metadata, sha256, source_job_id::int as "sourceJobId", created_at as "createdAt", updated_at as "updatedAt"`;

/** A video to add: the row's own fields, with the thumbnail, metadata and an unsigned thumbnail address required. */
export type NewLibraryVideo = Omit<LibraryVideo, 'createdAt' | 'updatedAt' | 'sourceJobId' | 'thumbnailKey' | 'metadata'> & {
  thumbnailKey: string;
  thumbnailUrl: string;
  metadata: VideoMetadata;
  sourceJobId?: number;
};

/**
 * Adds a video to its owner's library, unless the owner already has one with the same bytes
 * (sha256; deleted ones do not count): then that one is returned with `created: false` and the
 * caller removes the objects it stored. Safe under concurrent uploads of the same bytes (a partial
 * unique index decides). The account must exist.
 */
export async function addLibraryVideo(sql: Queryable, video: NewLibraryVideo): Promise<{ video: LibraryVideo; created: boolean }> {
  for (;;) {
    const [inserted] = await sql<LibraryVideo[]>`
      insert into videos ${sql({
        id: video.id,
        user_id: video.userId,
        filename: video.filename,
        original_filename: video.originalFilename,
        s3_key: video.s3Key,
        s3_url: video.s3Url,
        s3_bucket: video.s3Bucket,
        content_type: video.contentType,
        file_size: video.fileSize,
        duration: video.duration,
        thumbnail_s3_key: video.thumbnailKey,
        thumbnail_url: video.thumbnailUrl,
        metadata: sql.json({ ...video.metadata }),
        sha256: video.sha256,
        source_job_id: video.sourceJobId ?? null,
      })}
      on conflict (user_id, sha256) where deleted_at is null do nothing
      returning ${sql.unsafe(VIDEO_COLUMNS)}`;
    if (inserted) return { video: inserted, created: true };
    // A new statement sees the row that won (READ COMMITTED); gone again if it was deleted meanwhile.
    const [existing] = await sql<LibraryVideo[]>`
      select ${sql.unsafe(VIDEO_COLUMNS)} from videos where user_id = ${video.userId} and sha256 = ${video.sha256} and deleted_at is null`;
    if (existing) return { video: existing, created: false };
  }
}

/** The user's video by id; undefined when it is not theirs, deleted, or absent. */
export async function findLibraryVideo(sql: Queryable, userId: string, id: string): Promise<LibraryVideo | undefined> {
  const [row] = await sql<LibraryVideo[]>`
    select ${sql.unsafe(VIDEO_COLUMNS)} from videos where id = ${id}::uuid and user_id = ${userId} and deleted_at is null`;
  return row;
}

/** The user's video by storage key; another user's key is as absent as a missing one. */
export async function findLibraryVideoByKey(sql: Queryable, userId: string, s3Key: string): Promise<LibraryVideo | undefined> {
  const [row] = await sql<LibraryVideo[]>`
    select ${sql.unsafe(VIDEO_COLUMNS)} from videos where s3_key = ${s3Key} and user_id = ${userId} and deleted_at is null`;
  return row;
}
