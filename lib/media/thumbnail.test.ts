import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { makeTwoToneClip } from '../../test/support/display-clips.js';
import { extractThumbnail } from './thumbnail.js';

describe('thumbnails', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(process.env.REELFLOW_TEST_SCRATCH ?? tmpdir(), 'thumbnail-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** The thumbnail's size and whether its top is red and its bottom blue. */
  const look = async (path: string) => {
    const image = sharp(path);
    const { width = 0, height = 0 } = await image.metadata();
    const pixel = async (top: number) => {
      const { data } = await image.clone().extract({ left: Math.floor(width / 2), top, width: 1, height: 1 }).raw().toBuffer({ resolveWithObject: true });
      return data[0]! > 180 && data[2]! < 80 ? 'red' : data[2]! > 180 && data[0]! < 80 ? 'blue' : 'other';
    };
    return { width, height, top: await pixel(Math.floor(height / 4)), bottom: await pixel(Math.floor((height * 3) / 4)) };
  };

  it('shows the frame as a player does: non-square pixels stretched to the displayed size', async () => {
    const clip = join(dir, 'anamorphic.mp4');
    // Stored 720×576 with 4:3 pixels: shown 960×576.
    await makeTwoToneClip(clip, { width: 720, height: 576, seconds: 1, sar: '4/3' });
    const thumbnail = join(dir, 'anamorphic.jpg');

    await extractThumbnail(clip, thumbnail, 0.5);

    assert.deepEqual(await look(thumbnail), { width: 960, height: 576, top: 'red', bottom: 'blue' });
  });

  it('turns a clip upright before squaring its pixels, keeping the shape it is shown in', async () => {
    const clip = join(dir, 'turned-anamorphic.mp4');
    // Stored 720×576 with 4:3 pixels and a quarter turn: shown 576×960, a 3:5 portrait.
    await makeTwoToneClip(clip, { width: 720, height: 576, seconds: 1, sar: '4/3', rotate: 90 });
    const thumbnail = join(dir, 'turned-anamorphic.jpg');

    await extractThumbnail(clip, thumbnail, 0.5);

    const { width, height, top, bottom } = await look(thumbnail);
    assert.ok(Math.abs(width / height - 0.6) < 0.01, `${width}×${height}: 3:5 expected (4:5 if the pixels were taken as square)`);
    assert.deepEqual([top, bottom], ['red', 'blue']);
  });
});
