/**
 * Stitching benchmark alone (scripts/bench/stitching.ts): our stream-copy stitch, our re-encode and
 * a bare `ffmpeg -f concat -c copy` on intro + clip + outro; medians of interleaved rounds.
 *
 *   npx tsx scripts/bench-stitching.ts [repetitions=5] [clip seconds=10]
 */
import { loadConfigOrExit } from '../lib/config.js';
import { measureStitching, stitchingFigures } from './bench/stitching.js';
import { printTable } from './bench/table.js';

const options = { repetitions: Number(process.argv[2] ?? 5), clipSeconds: Number(process.argv[3] ?? 10) };
const figures = await measureStitching(loadConfigOrExit(), options);
console.log(`stitching: intro 2 s + clip ${options.clipSeconds} s + outro 2 s (${figures.contentSeconds.toFixed(1)} s of 720x1280 H.264/AAC), median of ${options.repetitions} rounds`);
printTable(stitchingFigures(figures, options));
