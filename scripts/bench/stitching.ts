import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Config } from '../../lib/config.js';
import { ensureBrandClips } from '../../lib/media/stitching/brand-clips.js';
import { BRAND_CLIP_INPUTS, REENCODE_PRESET, stitchClips, writeThumbnail, type StitchOptions, type ThumbnailFrame } from '../../lib/media/stitching/stitch.js';
import { clipOutputOptions } from '../../lib/media/clip-format.js';
import { configureFfmpeg, probe } from '../../lib/media/ffmpeg.js';
import { makeClip } from '../../test/support/media.js';
import { atMost, median, type Figure } from './table.js';

/**
 * Stitching benchmark: intro + clip + outro in the clip format, joined three ways on the same
 * inputs — our stitch taking the stream-copy path (as a worker runs it: brand clips remembered after
 * the warm-up), our stitch forced to re-encode, and a bare `ffmpeg -f concat -safe 0 -i list -c copy`;
 * and the copy result's thumbnail on its own (the activity takes it beside the video's upload).
 * Rounds interleave the three so load on the machine hits each alike; figures are medians.
 */

const run = promisify(execFile);

export interface StitchingOptions {
  repetitions: number;
  clipSeconds: number;
}

export interface StitchingFigures {
  contentSeconds: number;
  /** Median wall time per variant, ms. */
  copyMs: number;
  /** The copy result's thumbnail, which the activity takes beside the video's upload. */
  thumbnailMs: number;
  reencodeMs: number;
  bareMs: number;
}

export async function measureStitching(config: Pick<Config, 'FFMPEG_PATH' | 'FFPROBE_PATH'>, options: StitchingOptions): Promise<StitchingFigures> {
  configureFfmpeg(config);
  const dir = await mkdtemp(join(tmpdir(), 'reelflow-bench-'));
  try {
    const brand = await ensureBrandClips({ MEDIA_ROOT: dir });
    const clip = join(dir, 'clip.mp4');
    await makeClip(clip, { width: 720, height: 1280, fps: 30, seconds: options.clipSeconds, outputOptions: clipOutputOptions() });
    const inputs = [brand.introPath, clip, brand.outroPath];
    const listPath = join(dir, 'bare-list.txt');
    await writeFile(listPath, inputs.map((path) => `file '${path}'`).join('\n'));
    const contentSeconds = (await Promise.all(inputs.map(probe))).reduce((sum, media) => sum + media.durationSeconds, 0);

    let frame: ThumbnailFrame | undefined;
    const stitch = (strategy: NonNullable<StitchOptions['strategy']>) => () =>
      stitchClips({
        inputs,
        referenceIndex: 1,
        rememberedInputs: BRAND_CLIP_INPUTS,
        outputPath: join(dir, `ours-${strategy}.mp4`),
        workDir: dir,
        strategy,
      }).then((result) => {
        if (result.strategy !== (strategy === 'auto' ? 'copy' : 'reencode')) throw new Error(`expected ${strategy}, got ${result.strategy}`);
        if (strategy === 'auto') frame = result.thumbnailFrame;
      });
    const bare = () => run(config.FFMPEG_PATH ?? 'ffmpeg', ['-v', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', listPath, '-c', 'copy', join(dir, 'bare.mp4')]);

    const thumbnail = () => writeThumbnail(frame!, join(dir, 'thumbnail.jpg'));
    const variants = { copy: stitch('auto'), thumbnail, reencode: stitch('reencode'), bare } as const;
    const times = { copy: [] as number[], thumbnail: [] as number[], reencode: [] as number[], bare: [] as number[] };
    for (const body of Object.values(variants)) await body(); // warm-up: fluent-ffmpeg's capability probe, page cache, remembered brand probes
    for (let round = 0; round < options.repetitions; round++) {
      for (const name of Object.keys(variants) as (keyof typeof variants)[]) {
        const started = performance.now();
        await variants[name]();
        times[name].push(performance.now() - started);
      }
    }
    return { contentSeconds, copyMs: median(times.copy), thumbnailMs: median(times.thumbnail), reencodeMs: median(times.reencode), bareMs: median(times.bare) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The stitching lines of the bench table. */
export function stitchingFigures(figures: StitchingFigures, options: StitchingOptions): Figure[] {
  const command = `npx tsx scripts/bench-stitching.ts ${options.repetitions} ${options.clipSeconds}`;
  const realtime = (ms: number) => `${(figures.contentSeconds / (ms / 1000)).toFixed(0)}x realtime`;
  const ratio = figures.copyMs / figures.bareMs;
  return [
    { name: 'stitch: stream copy, median', value: `${figures.copyMs.toFixed(0)} ms (${realtime(figures.copyMs)})`, goal: '-', verdict: '-', command },
    { name: 'stitch: thumbnail, beside the upload', value: `${figures.thumbnailMs.toFixed(0)} ms`, goal: '-', verdict: '-', command },
    { name: 'stitch: bare ffmpeg concat -c copy', value: `${figures.bareMs.toFixed(0)} ms`, goal: '-', verdict: '-', command },
    { name: 'stitch: copy / bare concat', value: ratio.toFixed(2), goal: '<= 1.50', verdict: atMost(ratio, 1.5), command },
    {
      name: `stitch: re-encode (libx264 -preset ${REENCODE_PRESET})`,
      value: `${figures.reencodeMs.toFixed(0)} ms (${realtime(figures.reencodeMs)})`,
      goal: '-',
      verdict: '-',
      command,
    },
  ];
}
