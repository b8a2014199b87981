/**
 * Stitching benchmark: intro + clip + outro in the clip format, joined three ways on the same
 * inputs — our stitch taking the stream-copy path (probes, concat, output probe, thumbnail), our
 * stitch forced to re-encode, and a bare `ffmpeg -f concat -safe 0 -i list -c copy`.
 * Prints the median of several runs of each and their ratios.
 *
 *   npx tsx scripts/bench-stitching.ts [repetitions=5] [clip seconds=10]
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureBrandClips } from '../lib/media/stitching/brand-clips.js';
import { stitchClips, type StitchOptions } from '../lib/media/stitching/stitch.js';
import { loadConfigOrExit } from '../lib/config.js';
import { clipOutputOptions } from '../lib/media/clip-format.js';
import { configureFfmpeg, probe } from '../lib/media/ffmpeg.js';
import { makeClip } from '../test/support/media.js';

const run = promisify(execFile);
const repetitions = Number(process.argv[2] ?? 5);
const clipSeconds = Number(process.argv[3] ?? 10);

const config = loadConfigOrExit();
configureFfmpeg(config);
const dir = await mkdtemp(join(tmpdir(), 'reelflow-bench-'));

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

async function timed(body: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await body();
  return performance.now() - started;
}

try {
  const brand = await ensureBrandClips({ MEDIA_ROOT: dir });
  const clip = join(dir, 'clip.mp4');
  await makeClip(clip, { width: 720, height: 1280, fps: 30, seconds: clipSeconds, outputOptions: clipOutputOptions() });
  const inputs = [brand.introPath, clip, brand.outroPath];
  const listPath = join(dir, 'bare-list.txt');
  await writeFile(listPath, inputs.map((path) => `file '${path}'`).join('\n'));
  const contentSeconds = (await Promise.all(inputs.map(probe))).reduce((sum, media) => sum + media.durationSeconds, 0);

  const stitch = (strategy: StitchOptions['strategy']) => () =>
    stitchClips({ inputs, referenceIndex: 1, outputPath: join(dir, `ours-${strategy}.mp4`), thumbnailPath: join(dir, `ours-${strategy}.jpg`), workDir: dir, strategy }).then((result) => {
      if (result.strategy !== (strategy === 'auto' ? 'copy' : 'reencode')) throw new Error(`expected ${strategy}, got ${result.strategy}`);
    });
  const bare = () => run(config.FFMPEG_PATH ?? 'ffmpeg', ['-v', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', listPath, '-c', 'copy', join(dir, 'bare.mp4')]);

  const variants = { 'ours, stream copy': stitch('auto'), 'ours, re-encode': stitch('reencode'), 'bare ffmpeg concat -c copy': bare } as const;
  const times = Object.fromEntries(Object.keys(variants).map((name) => [name, [] as number[]])) as Record<keyof typeof variants, number[]>;
  for (const body of Object.values(variants)) await body(); // warm-up: fluent-ffmpeg's capability probe, page cache
  for (let round = 0; round < repetitions; round++) {
    for (const [name, body] of Object.entries(variants) as [keyof typeof variants, () => Promise<unknown>][]) times[name].push(await timed(body));
  }

  console.log(`stitching benchmark: intro 2 s + clip ${clipSeconds} s + outro 2 s (${contentSeconds.toFixed(1)} s of 720x1280 H.264/AAC), median of ${repetitions} runs`);
  for (const [name, values] of Object.entries(times)) {
    const ms = median(values);
    console.log(`  ${name.padEnd(28)} ${ms.toFixed(0).padStart(6)} ms   ${(contentSeconds / (ms / 1000)).toFixed(1).padStart(7)}x realtime`);
  }
  const copy = median(times['ours, stream copy']);
  const bareCopy = median(times['bare ffmpeg concat -c copy']);
  console.log(`  ours-copy / bare       ${(copy / bareCopy).toFixed(2)}  (fixed cost of probes and thumbnail: ${(copy - bareCopy).toFixed(0)} ms)`);
  console.log(`  re-encode / ours-copy  ${(median(times['ours, re-encode']) / copy).toFixed(2)}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
