import ffmpeg, { type FfmpegCommand } from 'fluent-ffmpeg';
import { z } from 'zod';
import type { Config } from '../config.js';
import { clockwiseRotation, displayedSize, pixelAspect } from './display.js';

export { ffmpeg, type FfmpegCommand };

/** Points fluent-ffmpeg at FFMPEG_PATH / FFPROBE_PATH when set; otherwise it finds them on PATH. */
export function configureFfmpeg(config: Pick<Config, 'FFMPEG_PATH' | 'FFPROBE_PATH'>): void {
  if (config.FFMPEG_PATH) ffmpeg.setFfmpegPath(config.FFMPEG_PATH);
  if (config.FFPROBE_PATH) ffmpeg.setFfprobePath(config.FFPROBE_PATH);
}

/** ffprobe prints "N/A" or nothing for values it does not know. */
const maybeNumber = z.preprocess((value) => (value === '' || value === 'N/A' ? undefined : value), z.coerce.number().optional());
const text = z.coerce.string();

const streamSchema = z.object({
  codec_type: z.string(),
  codec_name: text.optional(),
  profile: text.optional(),
  width: maybeNumber,
  height: maybeNumber,
  pix_fmt: text.optional(),
  r_frame_rate: text.optional(),
  time_base: text.optional(),
  duration: maybeNumber,
  sample_rate: maybeNumber,
  channels: maybeNumber,
  extradata_hash: text.optional(),
  avg_frame_rate: text.optional(),
  sample_aspect_ratio: text.optional(),
  // fluent-ffmpeg flattens side data into the stream: the display matrix leaves its `rotation` here.
  rotation: maybeNumber,
  tags: z.object({ rotate: maybeNumber }).optional(),
  disposition: z.object({ attached_pic: maybeNumber }).optional(),
});

const probeSchema = z.object({
  streams: z.array(streamSchema),
  format: z.object({ duration: maybeNumber, size: maybeNumber, format_name: text.optional(), bit_rate: maybeNumber }),
});

type ProbedStream = z.infer<typeof streamSchema>;

export interface VideoStreamInfo {
  codec: string;
  profile: string;
  width: number;
  height: number;
  pixelFormat: string;
  /** As ffprobe gives it, e.g. "30/1" or "30000/1001". */
  frameRate: string;
  timeBase: string;
  durationSeconds: number | undefined;
  /** SPS/PPS: clips whose extradata differ cannot share one mp4 track by stream copy. */
  extradataHash: string;
  /** Degrees clockwise the player turns the stored frames (0, 90, 180 or 270): see clockwiseRotation. */
  rotation: number;
  /** Width over height of one stored pixel; 1 when square or unknown. */
  pixelAspect: number;
  /** The picture as a player shows it (see displayedSize): what a viewer calls the clip's size. */
  displayWidth: number;
  displayHeight: number;
}

export interface AudioStreamInfo {
  codec: string;
  profile: string;
  sampleRate: number;
  channels: number;
  extradataHash: string;
}

export interface MediaProbe {
  bytes: number;
  durationSeconds: number;
  /** The first video stream, if any. */
  video: VideoStreamInfo | undefined;
  /** The first audio stream, if any. */
  audio: AudioStreamInfo | undefined;
  videoStreams: number;
  audioStreams: number;
}

function videoInfo(stream: ProbedStream | undefined): VideoStreamInfo | undefined {
  if (!stream?.width || !stream.height) return undefined;
  const geometry = {
    width: stream.width,
    height: stream.height,
    rotation: clockwiseRotation(stream.rotation, stream.tags?.rotate),
    pixelAspect: pixelAspect(stream.sample_aspect_ratio),
  };
  const displayed = displayedSize(geometry);
  return {
    codec: stream.codec_name ?? 'unknown',
    profile: stream.profile ?? 'unknown',
    width: stream.width,
    height: stream.height,
    pixelFormat: stream.pix_fmt ?? 'unknown',
    frameRate: stream.r_frame_rate ?? '0/0',
    timeBase: stream.time_base ?? '0/0',
    durationSeconds: stream.duration,
    extradataHash: stream.extradata_hash ?? '',
    rotation: geometry.rotation,
    pixelAspect: geometry.pixelAspect,
    displayWidth: displayed.width,
    displayHeight: displayed.height,
  };
}

function audioInfo(stream: ProbedStream | undefined): AudioStreamInfo | undefined {
  if (!stream) return undefined;
  return {
    codec: stream.codec_name ?? 'unknown',
    profile: stream.profile ?? 'unknown',
    sampleRate: stream.sample_rate ?? 0,
    channels: stream.channels ?? 0,
    extradataHash: stream.extradata_hash ?? '',
  };
}

async function runProbe(path: string): Promise<z.infer<typeof probeSchema>> {
  const raw = await new Promise<unknown>((resolve, reject) => {
    ffmpeg.ffprobe(path, ['-show_data_hash', 'sha256'], (error, data) => (error ? reject(error) : resolve(data)));
  });
  return probeSchema.parse(raw);
}

/** What reelflow needs to know about a media file; rejects when ffprobe cannot read it. */
export async function probe(path: string): Promise<MediaProbe> {
  return mediaProbe(await runProbe(path));
}

function mediaProbe({ streams, format }: z.infer<typeof probeSchema>): MediaProbe {
  const videos = streams.filter((stream) => stream.codec_type === 'video');
  const audios = streams.filter((stream) => stream.codec_type === 'audio');
  return {
    bytes: format.size ?? 0,
    durationSeconds: format.duration ?? 0,
    video: videoInfo(videos[0]),
    audio: audioInfo(audios[0]),
    videoStreams: videos.length,
    audioStreams: audios.length,
  };
}

/** How a player shows a video stream beyond its geometry (which VideoStreamInfo carries). */
export interface VideoPresentation {
  /** Mean frames per second as ffprobe gives it ("630/29" for a clip with dropped frames); "0/0" when unknown. */
  avgFrameRate: string;
  /** A still picture stored as a video stream (cover art), not a moving picture. */
  attachedPicture: boolean;
}

export interface DetailedProbe extends MediaProbe {
  /** The first video stream's presentation; undefined when `video` is. */
  presentation: VideoPresentation | undefined;
  /** Bits per second of the whole file; undefined when the container does not say. */
  bitRate: number | undefined;
  /** ffprobe's format name, e.g. "mov,mp4,m4a,3gp,3g2,mj2" or "matroska,webm"; "unknown" when absent. */
  formatName: string;
}

/** probe() plus how the video is shown and the file's bitrate and format; rejects when ffprobe cannot read the file. */
export async function probeDetailed(path: string): Promise<DetailedProbe> {
  const parsed = await runProbe(path);
  const media = mediaProbe(parsed);
  const stream = parsed.streams.find((candidate) => candidate.codec_type === 'video');
  const presentation: VideoPresentation | undefined =
    media.video && stream
      ? {
          avgFrameRate: stream.avg_frame_rate ?? '0/0',
          attachedPicture: stream.disposition?.attached_pic === 1,
        }
      : undefined;
  return { ...media, presentation, bitRate: parsed.format.bit_rate, formatName: parsed.format.format_name ?? 'unknown' };
}

/** "30000/1001" → 29.97; 0 when unreadable. */
export function rateValue(rational: string): number {
  const [numerator, denominator] = rational.split('/').map(Number);
  if (!numerator || !denominator) return 0;
  return numerator / denominator;
}

export interface FfmpegProgress {
  /** Output time reached, in seconds. */
  seconds: number;
  /** 0…1 when the expected output duration is known. */
  fraction: number | undefined;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Expected output duration: turns ffmpeg's output time into a fraction. */
  durationSeconds?: number;
  onProgress?: (progress: FfmpegProgress) => void;
}

/** How long ffmpeg may take to exit after SIGTERM before it gets SIGKILL. */
const KILL_GRACE_MS = 2000;

const TIME_PATTERN = /time=(-?\d+):(\d+):(\d+(?:\.\d+)?)/;

/**
 * Runs an ffmpeg command to completion. An abort sends SIGTERM, then SIGKILL after a grace period,
 * and rejects with the signal's reason only once the process has exited, so nothing outlives it.
 */
export function runFfmpeg(command: FfmpegCommand, options: RunOptions = {}): Promise<void> {
  const { signal, durationSeconds, onProgress } = options;
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    let started = false;
    let abortRequested = false;
    let escalation: NodeJS.Timeout | undefined;

    const stop = () => {
      command.kill('SIGTERM');
      escalation = setTimeout(() => command.kill('SIGKILL'), KILL_GRACE_MS);
    };
    const onAbort = () => {
      abortRequested = true;
      if (started) stop();
    };
    const settle = (error?: Error) => {
      clearTimeout(escalation);
      signal?.removeEventListener('abort', onAbort);
      if (abortRequested) reject(signal?.reason);
      else if (error) reject(error);
      else resolve();
    };

    command
      .on('start', () => {
        started = true;
        if (abortRequested) stop();
      })
      .on('stderr', (line: string) => {
        if (!onProgress) return;
        const match = TIME_PATTERN.exec(line);
        if (!match) return;
        const seconds = Math.max(0, Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]));
        const fraction = durationSeconds ? Math.min(1, seconds / durationSeconds) : undefined;
        onProgress({ seconds, fraction });
      })
      .on('error', (error: Error) => settle(error))
      .on('end', () => settle());
    signal?.addEventListener('abort', onAbort, { once: true });
    command.run();
  });
}
