import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { STALE_SCRATCH_MS, sweepStaleScratch } from './scratch-sweep.js';

describe('scratch sweep', () => {
  it('removes only stale activity folders', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sweep-'));
    const old = new Date(Date.now() - STALE_SCRATCH_MS - 60_000);
    for (const name of ['reelflow-stitch-1-abc', 'reelflow-lipsync-2-def', 'reelflow-stitch-3-new', 'other-folder']) {
      await mkdir(join(dir, name));
      await writeFile(join(dir, name, 'clip.mp4'), 'x');
    }
    for (const name of ['reelflow-stitch-1-abc', 'reelflow-lipsync-2-def', 'other-folder']) await utimes(join(dir, name), old, old);
    assert.deepEqual((await sweepStaleScratch(dir)).sort(), ['reelflow-lipsync-2-def', 'reelflow-stitch-1-abc']);
    assert.deepEqual((await readdir(dir)).sort(), ['other-folder', 'reelflow-stitch-3-new']);
  });
});
