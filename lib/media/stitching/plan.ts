import { rateValue, type MediaProbe, type VideoStreamInfo } from '../ffmpeg.js';

/**
 * The stitching decisions that need no ffmpeg: may the inputs be joined by stream copy, what a
 * re-encode targets, and what bitrate keeps the result under WhatsApp's size limit.
 */

/** WhatsApp's video limit is 16 MB; decimal megabytes are the stricter reading. */
export const WHATSAPP_MAX_VIDEO_BYTES = 16_000_000;

export const AUDIO_BITS_PER_SECOND = 128_000;

/** The longest side and shortest side a re-encoded video gets: enough for a phone, small enough to send. */
const MAX_LONG_SIDE = 1280;
const MAX_SHORT_SIDE = 720;
const MAX_FPS = 30;

/**
 * Why the inputs cannot be concatenated by stream copy into a WhatsApp-ready file; empty when they
 * can. The concat demuxer writes one track header for all inputs, so anything that header
 * describes must be identical — including the H.264 SPS/PPS (extradata) and the displayed
 * geometry. That header takes the first input's display matrix for every clip, so a turned clip
 * is never copied: it would play turned (or turn the others).
 */
export function streamCopyBlockers(probes: readonly MediaProbe[]): string[] {
  const blockers: string[] = [];
  const first = probes[0];
  probes.forEach((probe, index) => {
    const name = `input ${index + 1}`;
    if (probe.videoStreams !== 1) blockers.push(`${name} has ${probe.videoStreams} video streams`);
    if (probe.audioStreams !== 1) blockers.push(`${name} has ${probe.audioStreams} audio streams`);
    if (probe.video && probe.video.codec !== 'h264') blockers.push(`${name} video is ${probe.video.codec}, not h264`);
    if (probe.audio && probe.audio.codec !== 'aac') blockers.push(`${name} audio is ${probe.audio.codec}, not aac`);
    if (probe.video && probe.video.rotation !== 0) blockers.push(`${name} is shown turned ${probe.video.rotation}°`);
    if (!first || index === 0 || !probe.video || !first.video) return;
    const video = ['codec', 'profile', 'width', 'height', 'displayWidth', 'displayHeight', 'pixelAspect', 'pixelFormat', 'frameRate', 'timeBase', 'extradataHash'] as const;
    for (const field of video) {
      if (probe.video[field] !== first.video[field]) blockers.push(`${name} video ${field} ${probe.video[field]} ≠ ${first.video[field]}`);
    }
    if (!probe.audio || !first.audio) return;
    const audio = ['codec', 'profile', 'sampleRate', 'channels', 'extradataHash'] as const;
    for (const field of audio) {
      if (probe.audio[field] !== first.audio[field]) blockers.push(`${name} audio ${field} ${probe.audio[field]} ≠ ${first.audio[field]}`);
    }
  });
  return blockers;
}

export interface EncodeTarget {
  width: number;
  height: number;
  /** A frame rate ffmpeg's fps filter accepts, e.g. "30/1". */
  fps: string;
}

const even = (value: number) => Math.max(2, 2 * Math.round(value / 2));

/**
 * The reference clip's size as displayed (turned, square pixels) and its frame rate, scaled down
 * to fit 1280×720 (either orientation) and 30 fps.
 */
export function encodeTarget(reference: VideoStreamInfo): EncodeTarget {
  const { displayWidth: width, displayHeight: height } = reference;
  const long = Math.max(width, height);
  const short = Math.min(width, height);
  const scale = Math.min(1, MAX_LONG_SIDE / long, MAX_SHORT_SIDE / short);
  const rate = rateValue(reference.frameRate);
  return {
    width: even(width * scale),
    height: even(height * scale),
    fps: rate > 0 && rate <= MAX_FPS ? reference.frameRate : `${MAX_FPS}/1`,
  };
}

/** Video bits per second that fit `durationSeconds` into `maxBytes` beside the audio, with ~6% for the container. */
export function videoBitrateBudget(durationSeconds: number, maxBytes: number): number {
  const totalBits = maxBytes * 8 * 0.94;
  return Math.max(100_000, Math.floor(totalBits / Math.max(durationSeconds, 1) - AUDIO_BITS_PER_SECOND));
}
