import { stat } from 'node:fs/promises';
import { probe, type VideoStreamInfo } from '../ffmpeg.js';
import { readMp4Movie } from '../mp4-tracks.js';

/**
 * The last check of a stitch: the file is WhatsApp-ready — an H.264 video shown unturned, exactly
 * one AAC audio track, within the size limit.
 */

export interface ReadyVideo {
  bytes: number;
  durationSeconds: number;
  /** As displayed, pixels. */
  width: number;
  height: number;
}

/** AAC's objectTypeIndication in an MP4 (ISO/IEC 14496-1). */
const AAC_OBJECT_TYPE = 0x40;

/**
 * The duration of a file whose movie header plainly says it is ready: two tracks, one H.264
 * (avc1) video with the identity display matrix and one AAC audio; undefined when it says
 * anything else or cannot be read this way.
 */
async function plainlyReady(path: string): Promise<number | undefined> {
  const movie = await readMp4Movie(path).catch(() => undefined);
  if (!movie || movie.tracks.length !== 2) return undefined;
  const video = movie.tracks.find((track) => track.handler === 'vide');
  const audio = movie.tracks.find((track) => track.handler === 'soun');
  const ready = video?.sampleEntry === 'avc1' && video.identityMatrix && audio?.sampleEntry === 'mp4a' && audio.audioObjectType === AAC_OBJECT_TYPE;
  return ready ? movie.durationSeconds : undefined;
}

/**
 * Checks the stitched file at `path` and describes it; throws a plain Error naming what is wrong
 * when it is not ready. A stream copy's result (`copiedFrom`: the probe of the reference input,
 * whose frames it holds unchanged) is read from its movie header in this process when that header
 * plainly shows it ready, saving an ffprobe start; otherwise, and after every re-encode, ffprobe decides.
 */
export async function checkReady(path: string, maxBytes: number, copiedFrom?: VideoStreamInfo): Promise<ReadyVideo> {
  if (copiedFrom) {
    const [durationSeconds, { size }] = await Promise.all([plainlyReady(path), stat(path)]);
    if (durationSeconds !== undefined && size <= maxBytes) {
      return { bytes: size, durationSeconds, width: copiedFrom.displayWidth, height: copiedFrom.displayHeight };
    }
  }
  const output = await probe(path);
  const ready = output.video?.codec === 'h264' && output.video.rotation === 0 && output.audio?.codec === 'aac' && output.audioStreams === 1;
  if (!output.video || !ready || output.bytes > maxBytes) {
    throw new Error(`stitched file is not WhatsApp-ready: ${JSON.stringify({ ...output.video, audio: output.audio, bytes: output.bytes })}`);
  }
  return { bytes: output.bytes, durationSeconds: output.durationSeconds, width: output.video.displayWidth, height: output.video.displayHeight };
}
