import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { isProviderError } from '../../test/support/provider-errors.js';
import type { ActivityProgress } from '../ports.js';
import { LOCAL_IMAGE_MODEL, createLocalImageGenerator, paletteFor } from './local.js';

const PROMPT = 'A young woman with curly red hair in a green raincoat, cinematic lighting';

function progress(signal = new AbortController().signal): ActivityProgress & { fractions: number[] } {
  const fractions: number[] = [];
  return { fractions, heartbeat: () => undefined, report: (fraction) => void fractions.push(fraction), resumeFrom: undefined, signal };
}

/** The average colour of a region, as [r, g, b]. */
async function averageColour(path: string, region: { left: number; top: number; width: number; height: number }): Promise<number[]> {
  const { channels } = await sharp(path).extract(region).stats();
  return channels.slice(0, 3).map((channel) => Math.round(channel.mean));
}

describe('local image generator', () => {
  let dir: string;
  const generator = createLocalImageGenerator();
  before(async () => {
    dir = await mkdtemp(join(process.env.REELFLOW_TEST_SCRATCH ?? tmpdir(), 'image-local-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('renders a JPEG portrait card of the asked size, the same bytes for the same prompt', async () => {
    const first = join(dir, 'first.jpg');
    const again = join(dir, 'again.jpg');
    const run = progress();

    const { model } = await generator.generate({ prompt: PROMPT, width: 768, height: 1024, outputPath: first }, run);
    await generator.generate({ prompt: PROMPT, width: 768, height: 1024, outputPath: again }, progress());

    assert.equal(model, LOCAL_IMAGE_MODEL);
    assert.deepEqual(run.fractions, [1]);
    const image = await sharp(first).metadata();
    assert.deepEqual([image.format, image.width, image.height], ['jpeg', 768, 1024]);
    assert.ok((await readFile(first)).equals(await readFile(again)), 'deterministic');
    // A picture, not a flat fill: the silhouette stands out from the background behind it.
    const { channels } = await sharp(first).stats();
    assert.ok(channels.every((channel) => channel.stdev > 15), channels.map((channel) => channel.stdev).join());
    // The caption band at the bottom carries white text.
    const { channels: caption } = await sharp(first).extract({ left: 0, top: 900, width: 768, height: 100 }).stats();
    assert.ok(caption.every((channel) => channel.max > 230), 'white caption text');
    assert.deepEqual((await readdir(dir)).sort(), ['again.jpg', 'first.jpg'], 'no temporary files left');
  });

  it('gives another prompt another palette, and any asked frame', async () => {
    const red = join(dir, 'red.jpg');
    const punk = join(dir, 'punk.jpg');
    await generator.generate({ prompt: PROMPT, width: 640, height: 360, outputPath: red }, progress());
    await generator.generate({ prompt: 'A punk rocker', width: 640, height: 360, outputPath: punk }, progress());

    const image = await sharp(punk).metadata();
    assert.deepEqual([image.width, image.height], [640, 360]);
    assert.notDeepEqual(paletteFor(PROMPT), paletteFor('A punk rocker'));
    const corner = { left: 20, top: 20, width: 60, height: 40 };
    const [a, b] = await Promise.all([averageColour(red, corner), averageColour(punk, corner)]);
    assert.ok(a.some((value, index) => Math.abs(value - (b[index] ?? 0)) > 20), `backgrounds ${a} and ${b}`);
  });

  it('refuses a size it cannot render, and writes nothing when aborted', async () => {
    const outputPath = join(dir, 'never.jpg');
    await assert.rejects(generator.generate({ prompt: PROMPT, width: 10_000, height: 512, outputPath }, progress()), isProviderError('IMAGE_BAD_SIZE', false));
    await assert.rejects(generator.generate({ prompt: PROMPT, width: 512.5, height: 512, outputPath }, progress()), isProviderError('IMAGE_BAD_SIZE', false));
    const controller = new AbortController();
    const reason = new Error('cancelled');
    controller.abort(reason);
    await assert.rejects(generator.generate({ prompt: PROMPT, width: 512, height: 512, outputPath }, progress(controller.signal)), (error) => error === reason);
    await assert.rejects(readFile(outputPath), { code: 'ENOENT' });
  });
});
