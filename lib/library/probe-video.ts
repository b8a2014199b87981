import { stat } from 'node:fs/promises';
import type { VideoMetadata } from '../../db/library/videos.js';
import { probeDetailed, rateValue, type DetailedProbe } from '../media/ffmpeg.js';
import { extractThumbnail } from '../media/thumbnail.js';
import { VideoIntakeError } from './video-intake-error.js';

/** Where the thumbnail is taken: a second in, or halfway through a shorter clip. */
const THUMBNAIL_AT_SECONDS = 1;

const twoDecimals = (value: number) => Math.round(value * 100) / 100;

/**
 * The library's metadata for an ffprobe result: `resolution`, `width` and `height` as displayed
 * (probe's displayWidth/displayHeight: non-square pixels stretched, then 90 and 270 swap the
 * sides), `fps` the mean rate (variable-rate clips too; the nominal rate when the mean is
 * unknown), two decimals. Throws NO_VIDEO_STREAM when there is no moving picture.
 */
export function libraryMetadata(media: DetailedProbe): VideoMetadata {
  const { video, presentation } = media;
  if (!video || !presentation || presentation.attachedPicture) throw new VideoIntakeError('NO_VIDEO_STREAM');
  const { displayWidth: width, displayHeight: height } = video;
  return {
    resolution: `${width}x${height}`,
    width,
    height,
    fps: twoDecimals(rateValue(presentation.avgFrameRate) || rateValue(video.frameRate)),
    codec: video.codec,
    bitrate: media.bitRate === undefined ? null : Math.round(media.bitRate),
    has_audio: media.audio !== undefined,
    audio_codec: media.audio?.codec ?? null,
    rotation: video.rotation,
    container: media.formatName,
  };
}

export interface ProbedVideo {
  metadata: VideoMetadata;
  /** Seconds, two decimals; null when the container does not say. */
  durationSeconds: number | null;
}

/**
 * ffprobe's view of an uploaded file as library metadata. Throws VIDEO_UNREADABLE when ffprobe
 * cannot read it, NO_VIDEO_STREAM when it has no moving picture.
 */
export async function probeVideo(path: string): Promise<ProbedVideo> {
  let media: DetailedProbe;
  try {
    media = await probeDetailed(path);
  } catch (error) {
    throw new VideoIntakeError('VIDEO_UNREADABLE', { cause: error });
  }
  const metadata = libraryMetadata(media);
  return { metadata, durationSeconds: media.durationSeconds > 0 ? twoDecimals(media.durationSeconds) : null };
}

/**
 * Writes the video's thumbnail, a JPEG of the frame at min(1 s, half the duration) as displayed
 * (ffmpeg applies the rotation), to `thumbnailPath`. Decoding that frame is the proof the video
 * plays: when it fails or yields nothing, throws VIDEO_UNREADABLE.
 */
export async function writeThumbnail(videoPath: string, thumbnailPath: string, durationSeconds: number | null): Promise<void> {
  const at = durationSeconds ? Math.min(THUMBNAIL_AT_SECONDS, durationSeconds / 2) : 0;
  try {
    await extractThumbnail(videoPath, thumbnailPath, at);
    const { size } = await stat(thumbnailPath);
    if (size === 0) throw new Error('ffmpeg wrote an empty thumbnail');
  } catch (error) {
    throw new VideoIntakeError('VIDEO_UNREADABLE', { cause: error });
  }
}
