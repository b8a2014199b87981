import { randomUUID } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Config } from '../../lib/config.js';
import { configureFfmpeg, ffmpeg, runFfmpeg } from '../../lib/media/ffmpeg.js';
import { renderTextImage, type TextLine } from '../../lib/media/text-image.js';
import type { GenerationRequest, VideoGenerator } from '../ports.js';
import { ProviderError } from '../provider-error.js';

/**
 * The offline video generator: no model dreams anything up. It renders real H.264/AAC mp4s at the
 * requested frame and length with ffmpeg, so everything downstream (probe, thumbnail, storage,
 * players) sees what a model's video would give it:
 *
 * - text_to_video (`local/ffmpeg-title`): the prompt as a title fading in and out over a slowly
 *   turning colour gradient;
 * - image_to_video (`local/ffmpeg-kenburns`): a slow zoom over the image, cover-cropped to the
 *   frame; with cameraFixed (`local/ffmpeg-still`) the image stands still and fades in and out.
 *
 * Both carry a soft chord. Same request, same bytes.
 */

export const LOCAL_FPS = 24;

/** A major chord, its tones summed at this amplitude each (sine's own is 1/8). */
const CHORD_HZ = [220, 277.18, 329.63];
const TONE_VOLUME = 0.32;
const GRADIENT_COLOURS = ['0x1b1f4a', '0x6a1b4d', '0x0f5e6b'];
/** Fade in and out, seconds. */
const FADE_SECONDS = 0.8;
/** Average advance of a bold DejaVu Sans glyph, in em (a little wider than the regular 0.58). */
const GLYPH_EM = 0.62;

/** Words broken into lines of at most `perLine` characters; a word longer than a line is split. */
function wrapWords(text: string, perLine: number): string[] {
  const words = text.split(' ').flatMap((word) => word.match(new RegExp(`.{1,${perLine}}`, 'gu')) ?? []);
  const lines: string[] = [];
  for (const word of words) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= perLine) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

/**
 * The prompt laid out as a centred title for a width×height frame: wrapped to 84 % of the width,
 * the font shrunk (down to 4 % of the short side) until the lines fit 70 % of the height; what
 * still does not fit is cut with an ellipsis. Baselines are in pixels from the top.
 */
export function titleLines(prompt: string, width: number, height: number): TextLine[] {
  const text = prompt.replace(/\s+/g, ' ').trim();
  const short = Math.min(width, height);
  const smallest = Math.max(14, Math.round(short * 0.04));
  for (let fontSize = Math.round(short * 0.08); ; fontSize = Math.max(smallest, Math.floor(fontSize * 0.9))) {
    const lineHeight = Math.round(fontSize * 1.3);
    const maxLines = Math.max(1, Math.floor((height * 0.7) / lineHeight));
    const perLine = Math.max(1, Math.floor((width * 0.84) / (fontSize * GLYPH_EM)));
    let lines = wrapWords(text, perLine);
    if (lines.length > maxLines && fontSize > smallest) continue;
    if (lines.length > maxLines) lines = [...lines.slice(0, maxLines - 1), `${(lines[maxLines - 1] ?? '').slice(0, perLine - 1)}…`];
    const top = (height - lines.length * lineHeight) / 2;
    return lines.map((line, index) => ({ text: line, y: Math.round(top + index * lineHeight + fontSize), fontSize }));
  }
}

const even = (value: number) => Math.max(2, 2 * Math.round(value / 2));

/** The title over a turning gradient (drawn at a quarter size: it is smooth, and full-size drawing costs seconds at 1080p). */
function titleGraph(request: GenerationRequest, frames: number): string {
  const { width, height } = request;
  const seconds = request.spec.durationSeconds;
  return (
    `gradients=s=${even(width / 4)}x${even(height / 4)}:r=${LOCAL_FPS}:d=${seconds}:n=${GRADIENT_COLOURS.length}:` +
    `${GRADIENT_COLOURS.map((colour, index) => `c${index}=${colour}`).join(':')}:seed=7:speed=0.02,` +
    `scale=${width}:${height}:flags=bilinear,setsar=1[background];` +
    // The title is one decoded frame that loop repeats; its alpha fades.
    `[0:v]format=rgba,loop=loop=${frames - 1}:size=1:start=0,setpts=N/(${LOCAL_FPS}*TB),` +
    `fade=t=in:st=0.2:d=${FADE_SECONDS}:alpha=1,fade=t=out:st=${seconds - FADE_SECONDS - 0.2}:d=${FADE_SECONDS}:alpha=1[title];` +
    `[background][title]overlay=format=auto,format=yuv420p[video]`
  );
}

/** The image cover-cropped to the frame: a slow zoom drifting to the upper third (faces), or, camera fixed, still with fades. */
function imageGraph(request: GenerationRequest, frames: number): string {
  const { width, height, spec } = request;
  if (spec.cameraFixed) {
    return (
      `[0:v]scale=${width}:${height}:force_original_aspect_ratio=increase,crop=${width}:${height},setsar=1,` +
      `loop=loop=${frames - 1}:size=1:start=0,setpts=N/(${LOCAL_FPS}*TB),` +
      `fade=t=in:d=${FADE_SECONDS},fade=t=out:st=${spec.durationSeconds - FADE_SECONDS}:d=${FADE_SECONDS},format=yuv420p[video]`
    );
  }
  // Zoom on a larger canvas so the sub-pixel crop steps stay smooth: 2×, but at most 4096 px a side
  // (2× of 4K would be 7680 px: twice the zoompan time for steps no one sees).
  const factor = Math.min(2, 4096 / Math.max(width, height));
  const canvas = `${even(width * factor)}:${even(height * factor)}`;
  return (
    `[0:v]scale=${canvas}:force_original_aspect_ratio=increase,crop=${canvas},setsar=1,` +
    `zoompan=z='1+0.12*on/${frames - 1}':x='(iw-iw/zoom)/2':y='(ih-ih/zoom)*0.4':d=${frames}:s=${width}x${height}:fps=${LOCAL_FPS},` +
    `fade=t=in:d=${FADE_SECONDS / 2},fade=t=out:st=${spec.durationSeconds - FADE_SECONDS / 2}:d=${FADE_SECONDS / 2},format=yuv420p[video]`
  );
}

/** The audio bed: a soft chord, faded in and out, stereo. `sine` sources, not aevalsrc: a third of the CPU. */
function chordGraph(seconds: number): string {
  const tones = CHORD_HZ.map((hz, index) => `sine=f=${hz}:r=48000:d=${seconds}[tone${index}];`).join('');
  const inputs = CHORD_HZ.map((_, index) => `[tone${index}]`).join('');
  return (
    `${tones}${inputs}amix=inputs=${CHORD_HZ.length}:normalize=0,volume=${TONE_VOLUME},` +
    `afade=t=in:d=0.5,afade=t=out:st=${seconds - 1}:d=1,aformat=channel_layouts=stereo[audio]`
  );
}

function outputOptions(seconds: number): string[] {
  return [
    '-map', '[video]', '-map', '[audio]', '-t', String(seconds), '-r', String(LOCAL_FPS),
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '128k', '-ar', '48000', '-ac', '2',
    '-map_metadata', '-1', '-fflags', '+bitexact', '-movflags', '+faststart', '-f', 'mp4',
  ];
}

/** What ffmpeg reads (the rendered title, or the image) and the video graph over it. */
async function sourceAndGraph(request: GenerationRequest, frames: number, titlePath: string): Promise<{ source: string; graph: string }> {
  if (request.spec.type === 'text_to_video') {
    await renderTextImage({ width: request.width, height: request.height, lines: titleLines(request.spec.prompt, request.width, request.height) }, titlePath);
    return { source: titlePath, graph: titleGraph(request, frames) };
  }
  if (!request.imagePath) throw new ProviderError('GENERATION_NO_SOURCE_IMAGE', 'image_to_video needs the source image on disk', { retryable: false });
  return { source: request.imagePath, graph: imageGraph(request, frames) };
}

function modelFor(request: GenerationRequest): string {
  if (request.spec.type === 'text_to_video') return 'local/ffmpeg-title';
  return request.spec.cameraFixed ? 'local/ffmpeg-still' : 'local/ffmpeg-kenburns';
}

/**
 * The local VideoGenerator. Progress is ffmpeg's output time over the requested length (reported
 * and heartbeated as {generator: 'local', fraction}); an abort kills ffmpeg and leaves no output
 * (the mp4 is written beside outputPath and renamed into place). An image_to_video request
 * without imagePath is a non-retryable GENERATION_NO_SOURCE_IMAGE.
 */
export function createLocalVideoGenerator(config: Pick<Config, 'FFMPEG_PATH' | 'FFPROBE_PATH'>): VideoGenerator {
  configureFfmpeg(config);
  return {
    name: 'local',
    async generate(request, progress) {
      const seconds = request.spec.durationSeconds;
      const frames = seconds * LOCAL_FPS;
      const partial = join(dirname(request.outputPath), `.${basename(request.outputPath)}.${randomUUID()}.part`);
      const titlePath = `${partial}.title.png`;
      try {
        const { source, graph } = await sourceAndGraph(request, frames, titlePath);
        const command = ffmpeg().input(source).complexFilter(`${graph};${chordGraph(seconds)}`).outputOptions(outputOptions(seconds)).output(partial);
        await runFfmpeg(command, {
          signal: progress.signal,
          durationSeconds: seconds,
          onProgress: ({ fraction }) => {
            progress.heartbeat({ generator: 'local', fraction });
            if (fraction !== undefined) progress.report(fraction);
          },
        });
        await rename(partial, request.outputPath);
        progress.report(1);
        return { model: modelFor(request) };
      } finally {
        await Promise.all([rm(partial, { force: true }), rm(titlePath, { force: true })]);
      }
    },
  };
}
