import { stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SQUARE_PIXELS } from '../display.js';
import { ffmpeg, probe, runFfmpeg, type MediaProbe } from '../ffmpeg.js';
import { extractThumbnail } from '../thumbnail.js';
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
 * size limit) plus a JPEG thumbnail, every clip as its player shows it (display matrix, pixel
 * aspect). Matching upright inputs are joined by stream copy; anything else is normalised in one
 * encoding pass.
 */

export type StitchStrategy = 'copy' | 'reencode';

export interface StitchProgress {
  phase: 'copy' | 'encode' | 'thumbnail';
  /** Encoding attempts after the first one lower the bitrate to fit the size limit. */
  attempt?: number;
  fraction: number;
}

export interface StitchOptions {
  inputs: readonly string[];
  /** The input whose displayed size and frame rate a re-encode keeps, and which the thumbnail shows. */
  referenceIndex: number;
  outputPath: string;
  thumbnailPath: string;
  /** A scratch folder the caller owns and removes. */
  workDir: string;
  signal?: AbortSignal;
  onProgress?: (progress: StitchProgress) => void;
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
}

const MAX_ENCODE_ATTEMPTS = 3;

async function probeInput(path: string, index: number): Promise<MediaProbe> {
  const media = await probe(path).catch((error: unknown) => {
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

async function concatByCopy(options: StitchOptions, totalSeconds: number): Promise<void> {
  const listPath = join(options.workDir, 'concat.txt');
  await writeFile(listPath, `${options.inputs.map(concatListLine).join('\n')}\n`);
  const command = ffmpeg()
    .input(listPath)
    .inputOptions(['-f', 'concat', '-safe', '0'])
    .outputOptions(['-map', '0:v:0', '-map', '0:a:0', '-c', 'copy', '-movflags', '+faststart'])
    .output(options.outputPath);
  await runFfmpeg(command, {
    signal: options.signal,
    durationSeconds: totalSeconds,
    onProgress: ({ fraction }) => options.onProgress?.({ phase: 'copy', fraction: fraction ?? 0 }),
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
        '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-pix_fmt', 'yuv420p',
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

async function thumbnail(options: StitchOptions, probes: readonly MediaProbe[]): Promise<void> {
  const before = probes.slice(0, options.referenceIndex).reduce((sum, media) => sum + clipSeconds(media), 0);
  const reference = probes[options.referenceIndex];
  const at = before + (reference ? Math.min(THUMBNAIL_OFFSET_SECONDS, clipSeconds(reference) / 2) : 0);
  await extractThumbnail(options.outputPath, options.thumbnailPath, at, options.signal);
  options.onProgress?.({ phase: 'thumbnail', fraction: 1 });
}

export async function stitchClips(options: StitchOptions): Promise<StitchResult> {
  const maxBytes = options.maxBytes ?? WHATSAPP_MAX_VIDEO_BYTES;
  const probes = await Promise.all(options.inputs.map(probeInput));
  const totalSeconds = probes.reduce((sum, media) => sum + clipSeconds(media), 0);
  const blockers = options.strategy === 'reencode' ? ['re-encode requested'] : streamCopyBlockers(probes);

  let strategy: StitchStrategy = blockers.length === 0 ? 'copy' : 'reencode';
  if (strategy === 'copy') {
    await concatByCopy(options, totalSeconds);
    const { size } = await stat(options.outputPath);
    if (size > maxBytes) {
      blockers.push(`stream copy gives ${size} bytes, over the ${maxBytes}-byte limit`);
      strategy = 'reencode';
    }
  }
  if (strategy === 'reencode') await encode(options, probes, totalSeconds, maxBytes);

  const output = await probe(options.outputPath);
  const ready = output.video?.codec === 'h264' && output.video.rotation === 0 && output.audio?.codec === 'aac' && output.audioStreams === 1;
  if (!output.video || !ready || output.bytes > maxBytes) {
    throw new Error(`stitched file is not WhatsApp-ready: ${JSON.stringify({ ...output.video, audio: output.audio, bytes: output.bytes })}`);
  }
  await thumbnail(options, probes);
  return {
    strategy,
    blockers,
    bytes: output.bytes,
    durationSeconds: output.durationSeconds,
    width: output.video.displayWidth,
    height: output.video.displayHeight,
  };
}
