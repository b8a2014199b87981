import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { STALE_SCRATCH_MS, createScratch, sweepStaleScratch } from './scratch.js';

describe('scratch folders', () => {
  it('makes a folder the sweep knows, and removes it', async () => {
    const root = await mkdtemp(join(tmpdir(), 'scratch-'));
    const scratch = await createScratch('stitch-42', root);
    await writeFile(join(scratch.path, 'clip.mp4'), 'x');
    assert.match(scratch.path, /reelflow-scratch-stitch-42-/);
    await scratch.remove();
    await assert.rejects(stat(scratch.path));
  });

  it('sweeps only stale scratch folders', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sweep-'));
    const old = new Date(Date.now() - STALE_SCRATCH_MS - 60_000);
    const stale = [(await createScratch('stitch-1', dir)).path, (await createScratch('lipsync-2', dir)).path];
    const fresh = (await createScratch('stitch-3', dir)).path;
    await mkdir(join(dir, 'other-folder'));
    for (const path of [...stale, join(dir, 'other-folder')]) {
      await writeFile(join(path, 'clip.mp4'), 'x');
      await utimes(path, old, old);
    }
    const names = (paths: string[]) => paths.map((path) => path.slice(dir.length + 1)).sort();
    assert.deepEqual((await sweepStaleScratch(dir)).sort(), names(stale));
    assert.deepEqual((await readdir(dir)).sort(), names([fresh, join(dir, 'other-folder')]));
  });
});
