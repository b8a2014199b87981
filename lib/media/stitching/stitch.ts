import { stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SQUARE_PIXELS } from '../display.js';
import { ffmpeg, probe, runFfmpeg, type MediaProbe } from '../ffmpeg.js';
import { extractThumbnail } from '../thumbnail.js';
import { checkReady } from './ready.js';
import { rememberedProbe } from './remembered-probes.js';
import { speculate, type Speculation } from './speculation.js';
import { ProviderError } from '../../../providers/provider-error.js';
import {
  AUDIO_BITS_PER_SECOND,
  WHATSAPP_MAX_VIDEO_BYTES,
  encodeTarget,
  streamCopyBlockers,
  videoBitrateBudget,
  type EncodeTarget,
} from './plan.js';

/**
 * Joins clips into one WhatsApp-ready mp4 (H.264 + AAC, one audio track, faststart, within the
 * size limit), every clip as its player shows it (display matrix, pixel aspect), and names the
 * frame for its JPEG thumbnail (writeThumbnail, which callers run beside their upload). Matching upright inputs are joined by stream copy; anything else is normalised in one
 * encoding pass.
 */

export type StitchStrategy = 'copy' | 'reencode';

export interface StitchProgress {
  phase: 'copy' | 'encode';
  /** Encoding attempts after the first one lower the bitrate to fit the size limit. */
  attempt?: number;
  fraction: number;
}

export interface StitchOptions {
  inputs: readonly string[];
  /** The input whose displayed size and frame rate a re-encode keeps, and which the thumbnail shows. */
  referenceIndex: number;
  outputPath: string;
  /** A scratch folder the caller owns and removes. */
  workDir: string;
  signal?: AbortSignal;
  onProgress?: (progress: StitchProgress) => void;
  /**
   * Inputs whose files rarely change (the brand clips, BRAND_CLIP_INPUTS): probed once per process
   * and remembered while their path, size, mtime and inode stay the same.
   */
  rememberedInputs?: readonly number[];
  /** `reencode` skips the stream-copy path (benchmarks). */
  strategy?: 'auto' | 'reencode';
  maxBytes?: number;
}

export interface StitchResult {
  strategy: StitchStrategy;
  /** Why stream copy was not used; empty for `copy`. */
  blockers: string[];
  bytes: number;
  durationSeconds: number;
  /** The result as displayed, pixels (it is stored upright). */
  width: number;
  height: number;
  /** The frame the thumbnail shows: writeThumbnail writes it. */
  thumbnailFrame: ThumbnailFrame;
}

const MAX_ENCODE_ATTEMPTS = 3;

/** libx264's preset for the re-encode path: speed over size (the bitrate is capped anyway). */
export const REENCODE_PRESET = 'veryfast';

/** Where the brand clips sit in intro + clip + outro: the inputs a worker's stitches remember probes of. */
export const BRAND_CLIP_INPUTS: readonly number[] = [0, 2];

async function probeInput(path: string, index: number, remember: boolean): Promise<MediaProbe> {
  const media = await (remember ? rememberedProbe(path) : probe(path)).catch((error: unknown) => {
    throw new ProviderError('STITCH_INPUT_UNREADABLE', `input ${index + 1} is not readable media`, { retryable: false, cause: error });
  });
  if (!media.video) throw new ProviderError('STITCH_INPUT_UNREADABLE', `input ${index + 1} has no video stream`, { retryable: false });
  return media;
}

/** Seconds a clip lasts on the timeline: its video stream, else the container. */
function clipSeconds(media: MediaProbe): number {
  return media.video?.durationSeconds ?? media.durationSeconds;
}

/** Absolute paths: the concat demuxer resolves relative entries against the list file's folder. */
function concatListLine(path: string): string {
  return `file '${resolve(path).replace(/'/g, "'\\''")}'`;
}

/**
 * Joins the inputs by stream copy, started before they are probed (see ./speculation.ts);
 * `totalSeconds()` is their joined length once known, for progress.
 */
function startCopy(options: StitchOptions, totalSeconds: () => number): Speculation {
  return speculate(options.signal, async (signal) => {
    const listPath = join(options.workDir, 'concat.txt');
    await writeFile(listPath, `${options.inputs.map(concatListLine).join('\n')}\n`);
    const command = ffmpeg()
      .input(listPath)
      .inputOptions(['-f', 'concat', '-safe', '0'])
      .outputOptions(['-map', '0:v:0', '-map', '0:a:0', '-c', 'copy', '-movflags', '+faststart'])
      .output(options.outputPath);
    await runFfmpeg(command, {
      signal,
      onProgress: ({ seconds }) => options.onProgress?.({ phase: 'copy', fraction: totalSeconds() > 0 ? Math.min(1, seconds / totalSeconds()) : 0 }),
    });
    options.onProgress?.({ phase: 'copy', fraction: 1 });
  });
}

/**
 * One filter graph: every input as its player shows it (turned by ffmpeg on decode, pixels
 * squared), scaled and padded to the target, same fps and pixel format, audio resampled (silence
 * where missing), then concatenated.
 */
function normaliseFilter(probes: readonly MediaProbe[], target: EncodeTarget): string {
  const { width, height, fps } = target;
  const parts: string[] = [];
  const segments: string[] = [];
  probes.forEach((media, index) => {
    const seconds = clipSeconds(media).toFixed(6);
    parts.push(
      `[${index}:v:0]${SQUARE_PIXELS},setpts=PTS-STARTPTS,scale=${width}:${height}:force_original_aspect_ratio=decrease,` +
        `pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=${fps},format=yuv420p[v${index}]`,
    );
    // Each segment's audio is cut or padded to its video's length so later segments stay in sync.
    const audio = media.audio
      ? `[${index}:a:0]asetpts=PTS-STARTPTS,aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,apad=whole_dur=${seconds},atrim=duration=${seconds}`
      : `anullsrc=r=48000:cl=stereo,atrim=duration=${seconds}`;
    parts.push(`${audio}[a${index}]`);
    segments.push(`[v${index}][a${index}]`);
  });
  parts.push(`${segments.join('')}concat=n=${probes.length}:v=1:a=1[video][audio]`);
  return parts.join(';');
}

async function encode(options: StitchOptions, probes: readonly MediaProbe[], totalSeconds: number, maxBytes: number): Promise<void> {
  const reference = probes[options.referenceIndex]?.video;
  if (!reference) throw new Error(`referenceIndex ${options.referenceIndex} is not one of the inputs`);
  const filter = normaliseFilter(probes, encodeTarget(reference));
  let videoBitrate = videoBitrateBudget(totalSeconds, maxBytes);
  for (let attempt = 1; attempt <= MAX_ENCODE_ATTEMPTS; attempt++) {
    const kbps = Math.floor(videoBitrate / 1000);
    const command = ffmpeg();
    for (const input of options.inputs) command.input(input);
    command
      .complexFilter(filter)
      .outputOptions([
        '-map', '[video]', '-map', '[audio]',
        // Quality-driven CRF, capped so the file cannot outgrow the budget.
        '-c:v', 'libx264', '-preset', REENCODE_PRESET, '-profile:v', 'high', '-pix_fmt', 'yuv420p',
        '-crf', '23', '-maxrate', `${kbps}k`, '-bufsize', `${kbps}k`,
        '-c:a', 'aac', '-b:a', `${AUDIO_BITS_PER_SECOND / 1000}k`, '-ar', '48000', '-ac', '2',
        '-movflags', '+faststart',
      ])
      .output(options.outputPath);
    await runFfmpeg(command, {
      signal: options.signal,
      durationSeconds: totalSeconds,
      onProgress: ({ fraction }) => options.onProgress?.({ phase: 'encode', attempt, fraction: fraction ?? 0 }),
    });
    const { size } = await stat(options.outputPath);
    if (size <= maxBytes) return;
    videoBitrate = Math.floor(videoBitrate * (maxBytes / size) * 0.9);
  }
  throw new ProviderError('STITCH_OVER_SIZE_LIMIT', `could not encode the video under ${maxBytes} bytes in ${MAX_ENCODE_ATTEMPTS} attempts`, {
    retryable: false,
  });
}

/** How far into the reference clip the thumbnail is taken (at most its middle): seeking decodes every frame since the last keyframe, so early is cheap. */
const THUMBNAIL_OFFSET_SECONDS = 1;

/** Where the thumbnail's frame is: a video file and seconds into it. */
export interface ThumbnailFrame {
  videoPath: string;
  atSeconds: number;
}

/**
 * The reference clip's frame THUMBNAIL_OFFSET_SECONDS in (its middle when shorter). After a stream
 * copy it is read from the reference input itself (its frames are copied unchanged), else from the
 * re-encoded result at the reference clip's place in it.
 */
function thumbnailFrame(options: StitchOptions, probes: readonly MediaProbe[], strategy: StitchStrategy): ThumbnailFrame {
  const reference = probes[options.referenceIndex];
  const offset = reference ? Math.min(THUMBNAIL_OFFSET_SECONDS, clipSeconds(reference) / 2) : 0;
  if (strategy === 'copy') return { videoPath: options.inputs[options.referenceIndex]!, atSeconds: offset };
  const before = probes.slice(0, options.referenceIndex).reduce((sum, media) => sum + clipSeconds(media), 0);
  return { videoPath: options.outputPath, atSeconds: before + offset };
}

/**
 * Writes a stitch's thumbnail (StitchResult.thumbnailFrame) as a JPEG at `thumbnailPath`, as a
 * player shows the frame (see extractThumbnail). Apart from stitchClips so that it can run beside
 * the upload of the video. Rejects when ffmpeg fails or `signal` aborts.
 */
export function writeThumbnail(frame: ThumbnailFrame, thumbnailPath: string, signal?: AbortSignal): Promise<void> {
  return extractThumbnail(frame.videoPath, thumbnailPath, frame.atSeconds, signal);
}

/**
 * Stream copy when every input matches (see streamCopyBlockers) and the result fits `maxBytes`,
 * else one encoding pass; then the result must be WhatsApp-ready (checkReady). Rejects with
 * STITCH_INPUT_UNREADABLE for an input ffprobe cannot read or without video, STITCH_OVER_SIZE_LIMIT
 * when no encode fits, the signal's reason when aborted (after ffmpeg has exited), and a plain
 * Error when ffmpeg fails or the result is not ready.
 */
export async function stitchClips(options: StitchOptions): Promise<StitchResult> {
  const maxBytes = options.maxBytes ?? WHATSAPP_MAX_VIDEO_BYTES;
  const remembered = new Set(options.rememberedInputs ?? []);
  const probing = Promise.all(options.inputs.map((path, index) => probeInput(path, index, remembered.has(index))));
  let totalSeconds = 0;
  const copy = options.strategy === 'reencode' ? undefined : startCopy(options, () => totalSeconds);
  const probes = await probing.catch(async (error: unknown) => {
    await copy?.discard();
    throw error;
  });
  totalSeconds = probes.reduce((sum, media) => sum + clipSeconds(media), 0);
  const blockers = options.strategy === 'reencode' ? ['re-encode requested'] : streamCopyBlockers(probes);

  let strategy: StitchStrategy = blockers.length === 0 ? 'copy' : 'reencode';
  if (copy && strategy === 'copy') {
    await copy.done;
    const { size } = await stat(options.outputPath);
    if (size > maxBytes) {
      blockers.push(`stream copy gives ${size} bytes, over the ${maxBytes}-byte limit`);
      strategy = 'reencode';
    }
  } else {
    await copy?.discard();
  }
  if (strategy === 'reencode') await encode(options, probes, totalSeconds, maxBytes);

  const copiedFrom = strategy === 'copy' ? probes[options.referenceIndex]?.video : undefined;
  const output = await checkReady(options.outputPath, maxBytes, copiedFrom);
  return { strategy, blockers, ...output, thumbnailFrame: thumbnailFrame(options, probes, strategy) };
}
