import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { AdScript } from '../../../providers/ports.js';
import { ProviderError } from '../../../providers/provider-error.js';
import { chordSource } from '../clip-format.js';
import { SQUARE_PIXELS } from '../display.js';
import { ffmpeg, probe, runFfmpeg, type MediaProbe } from '../ffmpeg.js';
import { extractThumbnail } from '../thumbnail.js';
import { productCard, renderCaptionCard, renderEndCard } from './cards.js';

/**
 * The product ad's last stage (`compositing`): the generated visuals, the voice-over, the script's
 * on-screen lines, the product photo and an end card made into one mp4 in a single ffmpeg pass.
 *
 *   0 s ─────────── voice-over (V s) ───────────┬── end card (END_CARD_SECONDS) ──┐
 *   visuals, cover-cropped, looped or trimmed    │ last frame held, blurred,        │
 *   on-screen lines, each from start to end      │ darkened; product photo, name    │
 *   product photo card, from 40 % of V to V      │ and the CTA button               │
 *   music bed, ducked under the voice ───────────┴── music alone, fading out ───────┘
 *
 * Text and the photo card are PNGs rendered by sharp (./cards.ts), so script text needs no
 * filter escaping. The bed is the visuals' own audio when they have some, else a soft chord.
 */

export const AD_FPS = 30;
/** How long the end card holds after the voice-over, seconds. */
export const END_CARD_SECONDS = 2.5;

/** Chord of the generated bed (A minor) and its summed amplitude (about −25 dBFS RMS before ducking). */
const BED_CHORD_HZ = [220, 261.63, 329.63];
const BED_VOLUME = 0.15;
/** The visuals' own audio as a bed sits this far under the voice (×, before ducking). */
const OWN_AUDIO_VOLUME = 0.4;
/** Ducking: while the voice is above −40 dBFS the bed is compressed 20:1 (a voice at −15 dBFS RMS takes it down about 24 dB). */
const DUCKING = 'sidechaincompress=threshold=0.01:ratio=20:attack=20:release=400';
/** Lines and the product card slide in over this long, seconds. */
const LINE_SLIDE_SECONDS = 0.25;
const CARD_SLIDE_SECONDS = 0.4;

export type AdLine = AdScript['onScreenLines'][number];

export interface ComposeAdOptions {
  /** The visuals: any size, length and frame rate, with or without audio. */
  visualsPath: string;
  /** The voice-over (.m4a); its length sets the ad's. */
  voicePath: string;
  /** A JPEG of the product, shown as a card in the lower third and on the end card. */
  productImagePath?: string;
  lines: readonly AdLine[];
  ctaText: string;
  productName: string;
  /** Output frame in pixels: even, at least 64; 1080×1920 by default. */
  width?: number;
  height?: number;
  outputPath: string;
  /** A JPEG frame of the result, at the output size. */
  thumbnailPath: string;
  signal?: AbortSignal;
  /** 0…1, non-decreasing; 1 once the mp4 and thumbnail are in place. */
  onProgress?: (fraction: number) => void;
}

export interface ComposeAdResult {
  durationSeconds: number;
  bytes: number;
  width: number;
  height: number;
}

/**
 * The lines fitted to a voice-over `voiceSeconds` long, in order: empty and backwards lines
 * dropped; all times scaled down together when the last line would end after the voice; a line
 * cut short where the next begins (they share one place on screen); under 0.1 s left, dropped.
 */
export function fitLines(lines: readonly AdLine[], voiceSeconds: number): AdLine[] {
  const valid = lines
    .filter((line) => line.text.trim() !== '' && Number.isFinite(line.startSeconds) && line.endSeconds > line.startSeconds)
    .sort((a, b) => a.startSeconds - b.startSeconds);
  const lastEnd = Math.max(0, ...valid.map((line) => line.endSeconds));
  const scale = lastEnd > voiceSeconds ? voiceSeconds / lastEnd : 1;
  const round = (seconds: number) => Math.round(seconds * 1000) / 1000;
  return valid
    .map((line, index) => {
      const next = valid[index + 1];
      const end = Math.min(line.endSeconds, next ? next.startSeconds : Infinity);
      return { text: line.text, startSeconds: round(Math.max(0, line.startSeconds * scale)), endSeconds: round(end * scale) };
    })
    .filter((line) => line.endSeconds - line.startSeconds >= 0.1);
}

async function probeInput(path: string, what: string, needs: 'video' | 'audio'): Promise<MediaProbe> {
  const media = await probe(path).catch((error: unknown) => {
    throw new ProviderError('COMPOSITE_INPUT_UNREADABLE', `${what} is not readable media`, { retryable: false, cause: error });
  });
  if (!media[needs]) throw new ProviderError('COMPOSITE_INPUT_UNREADABLE', `${what} has no ${needs} stream`, { retryable: false });
  return media;
}

/** A still PNG laid over the video: where, and when (`enable`, an ffmpeg expression of t). */
interface Overlay {
  path: string;
  x: number;
  /** An ffmpeg expression of t, evaluated per frame. */
  y: string;
  enable: string;
}

/** y that starts `drop` pixels lower and eases up to `top` over `seconds` from `start`. */
const slideUp = (top: number, drop: number, start: number, seconds: number) => `${top}+${drop}*pow(max(0,1-(t-${start})/${seconds}),2)`;

/** Renders the overlays into `dir`: caption cards, the product card, and the end card (always last). */
async function renderOverlays(options: ComposeAdOptions, width: number, height: number, voiceSeconds: number, dir: string): Promise<Overlay[]> {
  const overlays: Overlay[] = [];
  const captionTop = Math.round(height * 0.12);
  for (const [index, line] of fitLines(options.lines, voiceSeconds).entries()) {
    const path = join(dir, `line-${index}.png`);
    if (!(await renderCaptionCard(line.text, width, path))) continue;
    const { startSeconds: start, endSeconds: end } = line;
    overlays.push({ path, x: 0, y: slideUp(captionTop, Math.round(height * 0.02), start, LINE_SLIDE_SECONDS), enable: `between(t,${start},${end})` });
  }
  if (options.productImagePath) {
    const card = await productCard(options.productImagePath, Math.round(Math.min(width * 0.42, height * 0.24)));
    const path = join(dir, 'product.png');
    await writeFile(path, card.png);
    const start = Math.round(voiceSeconds * 0.4 * 1000) / 1000;
    const top = Math.round(height * 0.7 - card.size / 2);
    overlays.push({ path, x: Math.round((width - card.size) / 2), y: slideUp(top, Math.round(height * 0.3), start, CARD_SLIDE_SECONDS), enable: `between(t,${start},${voiceSeconds})` });
  }
  const endCard = join(dir, 'end.png');
  await renderEndCard({ width, height, productName: options.productName, ctaText: options.ctaText, ...(options.productImagePath ? { productImagePath: options.productImagePath } : {}) }, endCard);
  overlays.push({ path: endCard, x: 0, y: '0', enable: `gte(t,${voiceSeconds})` });
  return overlays;
}

/**
 * The video chain: the visuals as a player shows them (turned by ffmpeg on decode, pixels
 * squared) covering the frame (centre-cropped) at AD_FPS, cut to the voice,
 * then their last frame, blurred once and held for the end card; then every overlay in turn.
 * Each overlay is one decoded PNG that overlay repeats, drawn only while `enable` holds.
 */
function videoGraph(width: number, height: number, voiceSeconds: number, overlays: readonly Overlay[], firstOverlayInput: number): string {
  const blur = Math.max(2, Math.round(Math.min(width, height) / 40));
  const heldFrames = Math.round(END_CARD_SECONDS * AD_FPS);
  const parts = [
    // Cropped to the frame's shape before scaling: scaling a landscape source up to cover first would draw pixels the crop throws away.
    `[0:v]${SQUARE_PIXELS},crop='min(iw,ih*${width}/${height})':'min(ih,iw*${height}/${width})',scale=${width}:${height},setsar=1,fps=${AD_FPS},` +
      `trim=duration=${voiceSeconds},setpts=PTS-STARTPTS,tpad=stop_mode=clone:stop_duration=${END_CARD_SECONDS},split[visuals][padded]`,
    `[visuals]trim=duration=${voiceSeconds}[body]`,
    // One held frame blurred and looped: blurring every held frame would cost a second of CPU at 1080×1920.
    `[padded]trim=start=${voiceSeconds},setpts=PTS-STARTPTS,trim=end_frame=1,boxblur=luma_radius=${blur}:luma_power=2,` +
      `loop=loop=${heldFrames - 1}:size=1,setpts=N/(${AD_FPS}*TB)[held]`,
    '[body][held]concat=n=2:v=1:a=0[layer0]',
  ];
  overlays.forEach((overlay, index) => {
    const last = index === overlays.length - 1;
    parts.push(
      `[layer${index}][${firstOverlayInput + index}:v]overlay=x=${overlay.x}:y='${overlay.y}':eval=frame:enable='${overlay.enable}'` +
        (last ? ',format=yuv420p[video]' : `[layer${index + 1}]`),
    );
  });
  return parts.join(';');
}

/** The audio: the voice, padded to the ad's length, over the bed, which the voice ducks through a sidechain compressor. */
function audioGraph(totalSeconds: number, bed: string): string {
  const stereo = 'aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo';
  return (
    `[1:a]${stereo},apad=whole_dur=${totalSeconds},atrim=duration=${totalSeconds},asplit=2[voice][key];` +
    `${bed}[bed];[bed][key]${DUCKING}[ducked];[ducked][voice]amix=inputs=2:duration=first:normalize=0[audio]`
  );
}

/** The visuals' own audio (looped with them) made into a bed `totalSeconds` long, faded in and out. */
function ownAudioBed(totalSeconds: number): string {
  return (
    `[0:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,atrim=duration=${totalSeconds},asetpts=PTS-STARTPTS,` +
    `apad=whole_dur=${totalSeconds},volume=${OWN_AUDIO_VOLUME},afade=t=in:d=0.3,afade=t=out:st=${Math.max(0, totalSeconds - 1)}:d=1`
  );
}

function outputOptions(totalSeconds: number): string[] {
  return [
    '-map', '[video]', '-map', '[audio]', '-t', String(totalSeconds), '-r', String(AD_FPS),
    // Quality-driven, with a peak cap so a busy 30 s ad stays a phone-friendly download.
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-maxrate', '8M', '-bufsize', '16M', '-profile:v', 'high', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '128k', '-ar', '48000', '-ac', '2',
    '-map_metadata', '-1', '-movflags', '+faststart', '-f', 'mp4',
  ];
}

/** The thumbnail's moment: the middle of the first line (visuals with text), else a second in. */
function thumbnailSeconds(lines: readonly AdLine[], voiceSeconds: number): number {
  const first = fitLines(lines, voiceSeconds)[0];
  return first ? (first.startSeconds + first.endSeconds) / 2 : Math.min(1, voiceSeconds / 2);
}

/**
 * Composes the ad: `voice-over length + END_CARD_SECONDS` long, width×height, H.264 High yuv420p
 * at 30 fps with AAC stereo at 48 kHz, moov first (+faststart), then a JPEG thumbnail. Progress is
 * ffmpeg's output time over that length. Nothing appears at outputPath or thumbnailPath until
 * both are complete: the work is done in a scratch folder beside the output and renamed into place.
 *
 * Throws ProviderError `COMPOSITE_INPUT_UNREADABLE` (not retryable) when the visuals have no
 * video or the voice no audio; a RangeError for a bad frame size; the signal's reason on abort
 * (ffmpeg is killed and nothing is left behind).
 */
export async function composeAd(options: ComposeAdOptions): Promise<ComposeAdResult> {
  const { width = 1080, height = 1920, signal } = options;
  if (![width, height].every((side) => Number.isInteger(side) && side >= 64 && side % 2 === 0)) {
    throw new RangeError(`frame ${width}×${height}: sides must be even whole numbers of at least 64 pixels`);
  }
  const [visuals, voice] = await Promise.all([
    probeInput(options.visualsPath, 'the visuals', 'video'),
    probeInput(options.voicePath, 'the voice-over', 'audio'),
  ]);
  // Whole milliseconds keep the filter expressions short and exact.
  const voiceSeconds = Math.round(voice.durationSeconds * 1000) / 1000;
  if (voiceSeconds <= 0) throw new ProviderError('COMPOSITE_INPUT_UNREADABLE', 'the voice-over is empty', { retryable: false });
  const totalSeconds = voiceSeconds + END_CARD_SECONDS;

  const id = randomUUID();
  const scratch = join(dirname(options.outputPath), `.${basename(options.outputPath)}.${id}.parts`);
  const partial = join(scratch, 'ad.mp4');
  const partialThumbnail = join(dirname(options.thumbnailPath), `.${basename(options.thumbnailPath)}.${id}.jpg`);
  let reported = 0;
  const report = (fraction: number) => {
    if (fraction <= reported) return;
    reported = fraction;
    options.onProgress?.(fraction);
  };
  try {
    await mkdir(scratch, { recursive: true });
    const overlays = await renderOverlays(options, width, height, voiceSeconds, scratch);
    const command = ffmpeg().input(options.visualsPath).inputOptions(['-stream_loop', '-1']).input(options.voicePath);
    let bed = ownAudioBed(totalSeconds);
    if (!visuals.audio) {
      command.input(chordSource(BED_CHORD_HZ, totalSeconds, BED_VOLUME)).inputOptions(['-f', 'lavfi']);
      bed = '[2:a]anull';
    }
    const firstOverlayInput = visuals.audio ? 2 : 3;
    for (const overlay of overlays) command.input(overlay.path);
    command
      .complexFilter(`${videoGraph(width, height, voiceSeconds, overlays, firstOverlayInput)};${audioGraph(totalSeconds, bed)}`)
      .outputOptions(outputOptions(totalSeconds))
      .output(partial);
    // The encode is nearly all the work; the thumbnail and renames are the last percent.
    await runFfmpeg(command, { ...(signal ? { signal } : {}), durationSeconds: totalSeconds, onProgress: ({ fraction }) => report(Math.min(0.99, fraction ?? 0)) });
    await extractThumbnail(partial, partialThumbnail, thumbnailSeconds(options.lines, voiceSeconds), signal);
    const output = await probe(partial);
    await rename(partial, options.outputPath);
    await rename(partialThumbnail, options.thumbnailPath);
    report(1);
    return { durationSeconds: output.durationSeconds, bytes: output.bytes, width: output.video?.width ?? width, height: output.video?.height ?? height };
  } finally {
    await Promise.all([rm(scratch, { recursive: true, force: true }), rm(partialThumbnail, { force: true })]);
  }
}
