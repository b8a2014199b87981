import { randomBytes, randomUUID } from 'node:crypto';
import { ensureAccount } from '../../db/credits/ledger.js';
import { addLibraryVideo, VIDEO_COLUMNS, type LibraryVideo } from '../../db/library/videos.js';
import { safeFilename } from '../../lib/library/filenames.js';
import { libraryVideoKeys } from '../../providers/storage/keys.js';
import type { GenerationStack } from './generation-stack.js';

/** What a seeded video may set; the rest is a plausible small MP4's. */
export interface SeededVideo {
  originalFilename?: string;
  /** Default: safeFilename of originalFilename. */
  filename?: string;
  fileSize?: number;
  /** Seconds; null: the container did not say. */
  duration?: number | null;
  /** Default: the insert's now(). */
  createdAt?: Date;
}

/** The bytes behind every seeded key: the reads only sign URLs, they never look inside. */
export const SEEDED_BYTES = Buffer.from('a stand-in for a video file');

/**
 * A library row for `userId` (whose account is created on first use) as an upload would leave it,
 * with small objects stored under its video and thumbnail keys; upload is not what these tests test.
 */
export async function seedLibraryVideo(stack: GenerationStack, userId: string, seeded: SeededVideo = {}): Promise<LibraryVideo> {
  const storage = stack.providers.storage;
  const id = randomUUID();
  const originalFilename = seeded.originalFilename ?? `Clip ${id.slice(0, 8)}.mp4`;
  const { stem, filename } = safeFilename(originalFilename, 'mp4');
  const { videoKey, thumbnailKey } = libraryVideoKeys({ userId, videoId: id, uploadedAt: seeded.createdAt ?? new Date(), stem, ext: 'mp4' });
  await storage.putBuffer(videoKey, SEEDED_BYTES, 'video/mp4');
  await storage.putBuffer(thumbnailKey, SEEDED_BYTES, 'image/jpeg');
  await stack.sql.begin((tx) => ensureAccount(tx, { id: userId }, stack.config.DUST_STARTING_BALANCE));
  const { video } = await addLibraryVideo(stack.sql, {
    id,
    userId,
    filename: seeded.filename ?? filename,
    originalFilename,
    s3Key: videoKey,
    s3Url: storage.location(videoKey).url,
    s3Bucket: storage.location(videoKey).bucket,
    contentType: 'video/mp4',
    fileSize: seeded.fileSize ?? SEEDED_BYTES.length,
    duration: seeded.duration === undefined ? 4.5 : seeded.duration,
    thumbnailKey,
    thumbnailUrl: storage.location(thumbnailKey).url,
    metadata: { resolution: '640x360', width: 640, height: 360, fps: 30, codec: 'h264', bitrate: 800_000, has_audio: true, audio_codec: 'aac', rotation: 0, container: 'mov,mp4,m4a,3gp,3g2,mj2' },
    sha256: randomBytes(32).toString('hex'),
  });
  if (!seeded.createdAt) return video;
  const [dated] = await stack.sql<LibraryVideo[]>`
    update videos set created_at = ${seeded.createdAt} where id = ${video.id}::uuid returning ${stack.sql.unsafe(VIDEO_COLUMNS)}`;
  return dated!;
}
