import { randomUUID } from 'node:crypto';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Config } from '../../config.js';
import { CLIP_FORMAT, chordSource, clipOutputOptions } from '../clip-format.js';
import { ffmpeg, runFfmpeg } from '../ffmpeg.js';
import { renderTextImage } from '../text-image.js';
import { ProviderError } from '../../../providers/provider-error.js';

/**
 * The intro and outro stitched around every video: BRAND_INTRO_PATH / BRAND_OUTRO_PATH when set,
 * else default cards rendered once into <MEDIA_ROOT>/brand/ in CLIP_FORMAT (so a local lip-sync
 * clip joins them by stream copy) and reused by every job and worker after that.
 */

export interface BrandClips {
  introPath: string;
  outroPath: string;
}

type BrandConfig = Pick<Config, 'MEDIA_ROOT' | 'BRAND_INTRO_PATH' | 'BRAND_OUTRO_PATH'>;

const BRAND_CLIP_SECONDS = 2;

/** Bump when the look changes: a new name renders afresh instead of reusing the old cache. */
const DEFAULT_CLIPS = {
  intro: { file: 'intro-v1.mp4', from: '#e4002b', to: '#7a0019', chord: [261.63, 329.63, 392], fade: 'in' },
  outro: { file: 'outro-v1.mp4', from: '#7a0019', to: '#e4002b', chord: [196, 246.94, 293.66], fade: 'out' },
} as const;

type Part = keyof typeof DEFAULT_CLIPS;

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function renderDefault(part: Part, path: string): Promise<void> {
  const look = DEFAULT_CLIPS[part];
  const { width, height, fps } = CLIP_FORMAT;
  // Two workers may render at once: each writes its own temp file and the renames replace atomically.
  const temp = `${path}.${randomUUID()}.tmp.mp4`;
  const card = `${temp}.png`;
  try {
    await renderTextImage(
      {
        width,
        height,
        defs: `<linearGradient id="brand" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${look.from}"/><stop offset="1" stop-color="${look.to}"/></linearGradient>`,
        background: 'url(#brand)',
        lines: [{ text: 'Close-Up', y: height / 2 + 40, fontSize: 120 }],
      },
      card,
    );
    const fade = look.fade === 'in' ? 'fade=t=in:d=0.5' : `fade=t=out:st=${BRAND_CLIP_SECONDS - 0.5}:d=0.5`;
    const command = ffmpeg()
      .input(card)
      .inputOptions(['-loop', '1', '-framerate', String(fps), '-t', String(BRAND_CLIP_SECONDS)])
      .input(chordSource(look.chord, BRAND_CLIP_SECONDS, 0.08))
      .inputOptions(['-f', 'lavfi'])
      .complexFilter(`[0:v]format=yuv420p,${fade}[video]`)
      .outputOptions(['-map', '[video]', '-map', '1:a', '-t', String(BRAND_CLIP_SECONDS), ...clipOutputOptions()])
      .output(temp);
    await runFfmpeg(command);
    await rename(temp, path);
  } finally {
    await Promise.all([rm(temp, { force: true }), rm(card, { force: true })]);
  }
}

const rendering = new Map<string, Promise<void>>();

/** One render per path in this process; concurrent callers wait for it. */
async function ensureDefault(part: Part, folder: string): Promise<string> {
  const path = join(folder, DEFAULT_CLIPS[part].file);
  if (await exists(path)) return path;
  let pending = rendering.get(path);
  if (!pending) {
    pending = mkdir(folder, { recursive: true })
      .then(() => renderDefault(part, path))
      .finally(() => rendering.delete(path));
    rendering.set(path, pending);
  }
  await pending;
  return path;
}

async function configured(name: 'BRAND_INTRO_PATH' | 'BRAND_OUTRO_PATH', path: string): Promise<string> {
  if (!(await exists(path))) {
    throw new ProviderError('STITCH_BRAND_CLIP_MISSING', `${name} points to ${path}, which cannot be read`, { retryable: false });
  }
  return path;
}

/** The brand clips to stitch, rendering the defaults on first use. */
export async function ensureBrandClips(config: BrandConfig): Promise<BrandClips> {
  // Absolute: ffmpeg's concat demuxer reads relative entries against the list file's folder.
  const folder = resolve(config.MEDIA_ROOT, 'brand');
  const [introPath, outroPath] = await Promise.all([
    config.BRAND_INTRO_PATH ? configured('BRAND_INTRO_PATH', config.BRAND_INTRO_PATH) : ensureDefault('intro', folder),
    config.BRAND_OUTRO_PATH ? configured('BRAND_OUTRO_PATH', config.BRAND_OUTRO_PATH) : ensureDefault('outro', folder),
  ]);
  return { introPath, outroPath };
}
