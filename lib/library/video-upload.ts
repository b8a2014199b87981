import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Sql } from '../../db/client.js';
import { ensureAccount } from '../../db/credits/ledger.js';
import { recordVideoUpload } from '../../db/library/uploads.js';
import { addLibraryVideo, type LibraryVideo } from '../../db/library/videos.js';
import type { Storage } from '../../providers/ports.js';
import { libraryVideoKeys } from '../../providers/storage/keys.js';
import { createScratch } from '../scratch.js';
import { displayFilename, safeFilename } from './filenames.js';
import { probeVideo, writeThumbnail } from './probe-video.js';
import { receiveVideo } from './video-intake.js';

export interface VideoUploadDeps {
  sql: Sql;
  storage: Storage;
  /** VIDEO_UPLOAD_MAX_BYTES. */
  maxBytes: number;
  /** DUST_STARTING_BALANCE, for an account seen for the first time. */
  startingBalance: number;
}

export interface AcceptedVideoUpload {
  video: LibraryVideo;
  /** False when the user already had these bytes: `video` is that earlier one. */
  created: boolean;
  uploadId: string;
}

/** Removes what an upload stored; a missing object is no error, and a delete that fails leaves its object (nothing sweeps them yet). */
async function removeObjects(storage: Storage, keys: readonly string[]): Promise<void> {
  await Promise.allSettled(keys.map((key) => storage.delete(key)));
}

/**
 * A signed-in user's video upload, end to end: the multipart `file` streamed into storage and a
 * scratch copy (lib/library/video-intake.ts), probed, thumbnailed, then recorded with its upload id
 * in one transaction (the account created on first sight). The same bytes uploaded again by the
 * same user answer the existing video (`created: false`) and keep nothing of the new upload.
 * Throws VideoIntakeError for a refused file and ProviderError when storage fails; a refused or
 * failed upload leaves no object, scratch file or row behind.
 */
export async function acceptVideoUpload(
  deps: VideoUploadDeps,
  user: { id: string; email: string | null },
  request: { body: Readable; contentType: string },
): Promise<AcceptedVideoUpload> {
  const videoId = randomUUID();
  const uploadedAt = new Date();
  let keys: { videoKey: string; thumbnailKey: string } | undefined;
  const stored: string[] = [];
  const scratch = await createScratch('video-upload');
  try {
    const received = await receiveVideo(request.body, {
      contentType: request.contentType,
      maxBytes: deps.maxBytes,
      storage: deps.storage,
      scratchDir: scratch.path,
      keyFor: (container, name) => {
        keys = libraryVideoKeys({ userId: user.id, videoId, uploadedAt, stem: safeFilename(name, container.ext).stem, ext: container.ext });
        return keys.videoKey;
      },
    });
    if (!keys) throw new Error('the intake stored a video without asking for its key');
    stored.push(received.videoKey);

    const { metadata, durationSeconds } = await probeVideo(received.path);
    const thumbnailPath = join(scratch.path, 'thumbnail.jpg');
    await writeThumbnail(received.path, thumbnailPath, durationSeconds);
    stored.push(keys.thumbnailKey);
    await deps.storage.putFile(keys.thumbnailKey, thumbnailPath, 'image/jpeg');

    const filename = safeFilename(received.originalName, received.container.ext).filename;
    const { bucket, url } = deps.storage.location(received.videoKey);
    const thumbnailKey = keys.thumbnailKey;
    const accepted = await deps.sql.begin(async (tx) => {
      await ensureAccount(tx, user, deps.startingBalance);
      const { video, created } = await addLibraryVideo(tx, {
        id: videoId,
        userId: user.id,
        filename,
        originalFilename: displayFilename(received.originalName, filename),
        s3Key: received.videoKey,
        s3Url: url,
        s3Bucket: bucket,
        contentType: received.container.contentType,
        fileSize: received.bytes,
        duration: durationSeconds,
        thumbnailKey,
        thumbnailUrl: deps.storage.location(thumbnailKey).url,
        metadata,
        sha256: received.sha256,
      });
      return { video, created, uploadId: await recordVideoUpload(tx, user.id, video.id) };
    });
    if (!accepted.created) await removeObjects(deps.storage, stored);
    return accepted;
  } catch (error) {
    await removeObjects(deps.storage, stored);
    throw error;
  } finally {
    await scratch.remove();
  }
}
