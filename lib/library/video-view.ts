import type { LibraryVideo, VideoMetadata } from '../../db/library/videos.js';
import type { Storage } from '../../providers/ports.js';
import { MAX_PRESIGN_SECONDS } from '../../providers/storage/s3.js';

/**
 * The seed's video object (../shared/seeds/s3-video-library-api.md, "Get S3 Videos"): `s3_url`
 * and `thumbnail_url` are signed GET URLs minted for this answer, valid until `url_expires_at`.
 */
export interface VideoObject {
  id: string;
  filename: string;
  original_filename: string;
  s3_key: string;
  s3_url: string;
  content_type: string;
  /** Bytes. */
  file_size: number;
  /** Seconds, two decimals. */
  duration: number | null;
  thumbnail_url: string | null;
  uploaded_at: string;
  metadata: VideoMetadata | null;
  url_expires_at: string;
}

/**
 * A library video as every endpoint shows it. `ttlSeconds` (MEDIA_URL_TTL_SECONDS) is shortened to
 * SigV4's seven days on S3, and `url_expires_at` says when the URLs stop working.
 */
export async function videoObject(video: LibraryVideo, storage: Storage, ttlSeconds: number, now = new Date()): Promise<VideoObject> {
  const ttl = storage.backend === 's3' ? Math.min(ttlSeconds, MAX_PRESIGN_SECONDS) : ttlSeconds;
  const [url, thumbnailUrl] = await Promise.all([
    storage.signedUrl(video.s3Key, ttl),
    video.thumbnailKey ? storage.signedUrl(video.thumbnailKey, ttl) : Promise.resolve(null),
  ]);
  return {
    id: video.id,
    filename: video.filename,
    original_filename: video.originalFilename,
    s3_key: video.s3Key,
    s3_url: url,
    content_type: video.contentType,
    file_size: video.fileSize,
    duration: video.duration,
    thumbnail_url: thumbnailUrl,
    uploaded_at: video.createdAt.toISOString(),
    metadata: video.metadata,
    url_expires_at: new Date(now.getTime() + ttl * 1000).toISOString(),
  };
}
