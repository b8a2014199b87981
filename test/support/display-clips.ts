import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import sharp from 'sharp';
import type { ClipSpec } from './media.js';

/**
 * Clips whose stored frames are not what a player shows (turned by a display matrix, or with
 * non-square pixels), and a reader of the frames a player would show, for tests of every ffmpeg
 * step that takes someone else's clip.
 */

const run = promisify(execFile);
const FFMPEG = process.env.FFMPEG_PATH || 'ffmpeg';

/** `width`×`height` is the stored frame size. */
export interface TwoToneSpec extends Pick<ClipSpec, 'width' | 'height' | 'seconds' | 'outputOptions'> {
  fps?: number;
  /**
   * Written as the `rotate` tag on a stream copy, which ffmpeg 5.1 stores as a display matrix
   * turning the stored frames this many degrees counterclockwise (ffprobe `rotation=<this>`; 5.1
   * has no `-display_rotation`). The frames are stored turned the other way, so the clip still
   * shows red above blue: as a phone held upright records it.
   */
  rotate?: 90 | 180 | 270;
  /** Sample aspect ratio, e.g. "4/3": written into the H.264 headers and the mp4 track. */
  sar?: string;
  /** The share of the picture's height that is red; a half by default. */
  redFraction?: number;
}

/** How the stored frames are turned so that the display matrix of `rotate` shows them upright. */
const STORED_TURN = { 90: ['transpose=clock'], 180: ['hflip', 'vflip'], 270: ['transpose=cclock'] } as const;

/** A clip a player shows red above blue (halves unless `redFraction`), with a 440 Hz tone; stored turned or stretched as `spec` says. */
export async function makeTwoToneClip(path: string, spec: TwoToneSpec): Promise<void> {
  const fps = spec.fps ?? 30;
  const quarter = spec.rotate === 90 || spec.rotate === 270;
  const [shownWidth, shownHeight] = quarter ? [spec.height, spec.width] : [spec.width, spec.height];
  const filters = [`color=c=blue:s=${shownWidth}x${shownHeight}:r=${fps}:d=${spec.seconds}`, `drawbox=x=0:y=0:w=iw:h=ih*${spec.redFraction ?? 0.5}:color=red:t=fill`];
  if (spec.rotate) filters.push(...STORED_TURN[spec.rotate]);
  if (spec.sar) filters.push(`setsar=${spec.sar}`);
  const stored = spec.rotate ? `${path}.stored.mp4` : path;
  // The default is ClipSpec's (libx264 ultrafast + AAC); clipOutputOptions() makes a clip in CLIP_FORMAT.
  const output = spec.outputOptions ?? ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac'];
  await run(FFMPEG, [
    '-v', 'error', '-y', '-f', 'lavfi', '-i', filters.join(','),
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${spec.seconds}`,
    ...output, '-t', String(spec.seconds), stored,
  ]);
  if (!spec.rotate) return;
  try {
    await run(FFMPEG, ['-v', 'error', '-y', '-i', stored, '-c', 'copy', '-metadata:s:v:0', `rotate=${spec.rotate}`, path]);
  } finally {
    await rm(stored, { force: true });
  }
}

export type Tone = 'red' | 'blue' | 'black' | 'white' | 'other';

/** A decoded frame as RGB, pixel by pixel. */
export interface Frame {
  width: number;
  height: number;
  tone(x: number, y: number): Tone;
}

function toneOf(r: number, g: number, b: number): Tone {
  if (r > 180 && g < 80 && b < 80) return 'red';
  if (b > 180 && r < 80 && g < 80) return 'blue';
  if (r < 40 && g < 40 && b < 40) return 'black';
  if (r > 200 && g > 200 && b > 200) return 'white';
  return 'other';
}

/**
 * The frame at `atSeconds` as players show it (turned by the display matrix; pixels as stored, so
 * a non-square clip reads narrow), or with `stored`, the frame as stored (not turned).
 */
export async function readFrame(path: string, atSeconds: number, { stored = false } = {}): Promise<Frame> {
  const { stdout } = await run(
    FFMPEG,
    ['-v', 'error', ...(stored ? ['-noautorotate'] : []), '-ss', atSeconds.toFixed(3), '-i', path, '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', '-'],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  const { data, info } = await sharp(stdout).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    tone(x, y) {
      const at = (Math.floor(y) * info.width + Math.floor(x)) * 3;
      return toneOf(data[at] ?? 0, data[at + 1] ?? 0, data[at + 2] ?? 0);
    },
  };
}

/** The frame's tones on a coarse grid (rows of `columns` samples, `rows` rows, each at a cell's centre): a picture a test can compare. */
export function toneGrid(frame: Frame, columns = 4, rows = 4): Tone[][] {
  return Array.from({ length: rows }, (_, row) =>
    Array.from({ length: columns }, (_, column) => frame.tone(((column + 0.5) * frame.width) / columns, ((row + 0.5) * frame.height) / rows)),
  );
}

/** The first row, down column `x`, that is not red: where red gives way. */
export function redDepth(frame: Frame, x: number): number {
  let y = 0;
  while (y < frame.height && frame.tone(x, y) === 'red') y += 1;
  return y;
}

/** Where the picture starts and ends along row `y`: the first and last x that is not black. */
export function pictureSpan(frame: Frame, y: number): { from: number; to: number } {
  let from = 0;
  while (from < frame.width && frame.tone(from, y) === 'black') from += 1;
  let to = frame.width - 1;
  while (to > from && frame.tone(to, y) === 'black') to -= 1;
  return { from, to };
}
