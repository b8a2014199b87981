import { createHash, randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { ensureAccount } from '../../db/credits/ledger.js';
import { addLibraryVideo, type LibraryVideo } from '../../db/library/videos.js';
import { safeFilename } from '../../lib/library/filenames.js';
import { probeVideo, writeThumbnail } from '../../lib/library/probe-video.js';
import { libraryVideoKeys } from '../../providers/storage/keys.js';
import type { GenerationStack } from '../support/generation-stack.js';
import { makeClip } from '../support/media.js';

/** Audio measurements of dubs, and library videos made with real ffmpeg for them to dub. */

const run = promisify(execFile);
const FFMPEG = process.env.FFMPEG_PATH || 'ffmpeg';

/** The library clip every dubbing test starts from: 640×360 H.264 with a 440 Hz tone of its own. */
export const SOURCE_TONE_HZ = 440;

/**
 * ffmpeg's volumedetect mean of a file's audio, in dB (about −91 for digital silence, −20 to −30
 * for speech), over `seconds` from `from`, after `filter` (e.g. a band-pass around a tone).
 */
export async function meanVolume(path: string, options: { from?: number; seconds?: number; filter?: string } = {}): Promise<number> {
  const window = [...(options.from === undefined ? [] : ['-ss', String(options.from)]), ...(options.seconds === undefined ? [] : ['-t', String(options.seconds)])];
  const filters = [options.filter, 'volumedetect'].filter(Boolean).join(',');
  const { stderr } = await run(FFMPEG, ['-hide_banner', ...window, '-i', path, '-vn', '-af', filters, '-f', 'null', '-']);
  const match = /mean_volume: (-?[\d.]+) dB/.exec(stderr);
  if (!match) throw new Error(`volumedetect printed no mean: ${stderr.slice(-300)}`);
  return Number(match[1]);
}

/** The mean level of a narrow band around `hz`: a steady tone there stands out by 20 dB or more. */
export const toneLevel = (path: string, hz = SOURCE_TONE_HZ) => meanVolume(path, { filter: `bandpass=f=${hz}:width_type=q:w=20` });

/** A 640×360 H.264 clip of `seconds` with the 440 Hz tone as its audio. */
export async function makeSourceClip(path: string, seconds = 6): Promise<void> {
  await makeClip(path, { width: 640, height: 360, fps: 30, seconds });
}

/**
 * `path` as a library video of `userId` (whose account is made on first use), stored as an upload
 * leaves one (quicker than POST /api/v1/upload/video, which one test uses): the video and a thumbnail under library keys, the row with probed metadata and the
 * bytes' sha256 (the same file twice for one user is one video).
 */
export async function addLibraryClip(stack: GenerationStack, userId: string, path: string, originalFilename = 'Spring Promo.mp4'): Promise<LibraryVideo> {
  const storage = stack.providers.storage;
  const id = randomUUID();
  const { stem, filename } = safeFilename(originalFilename, 'mp4');
  const { videoKey, thumbnailKey } = libraryVideoKeys({ userId, videoId: id, uploadedAt: new Date(), stem, ext: 'mp4' });
  const { metadata, durationSeconds } = await probeVideo(path);
  const thumbnailPath = `${path}.${id}.jpg`;
  await writeThumbnail(path, thumbnailPath, durationSeconds);
  await storage.putFile(videoKey, path, 'video/mp4');
  await storage.putFile(thumbnailKey, thumbnailPath, 'image/jpeg');
  await stack.sql.begin((tx) => ensureAccount(tx, { id: userId }, stack.config.DUST_STARTING_BALANCE));
  const { video } = await addLibraryVideo(stack.sql, {
    id,
    userId,
    filename,
    originalFilename,
    s3Key: videoKey,
    s3Url: storage.location(videoKey).url,
    s3Bucket: storage.location(videoKey).bucket,
    contentType: 'video/mp4',
    fileSize: (await stat(path)).size,
    duration: durationSeconds,
    thumbnailKey,
    thumbnailUrl: storage.location(thumbnailKey).url,
    metadata,
    sha256: createHash('sha256').update(await readFile(path)).digest('hex'),
  });
  return video;
}
