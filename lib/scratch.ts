import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Every scratch folder's name starts with this, so the sweep knows them and nothing else. */
export const SCRATCH_PREFIX = 'reelflow-scratch-';

/** Older than any activity may run (the longest start-to-close timeout is 30 minutes). */
export const STALE_SCRATCH_MS = 6 * 3600_000;

export interface ScratchFolder {
  path: string;
  /** Removes the folder and everything in it; safe to call twice. */
  remove(): Promise<void>;
}

/**
 * A fresh folder for one activity attempt's files, `<root>/reelflow-scratch-<purpose>-XXXXXX`
 * (root: the OS temp dir unless given). Remove it in a `finally`; a SIGKILL skips that, and the
 * worker's start-up sweep removes what is left.
 */
export async function createScratch(purpose: string, root: string = tmpdir()): Promise<ScratchFolder> {
  const path = await mkdtemp(join(root, `${SCRATCH_PREFIX}${purpose.replace(/[^A-Za-z0-9_-]/g, '_')}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Removes scratch folders under `dir` older than STALE_SCRATCH_MS; returns their names. */
export async function sweepStaleScratch(dir: string, now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith(SCRATCH_PREFIX)) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isDirectory() || now - info.mtimeMs < STALE_SCRATCH_MS) continue;
    await rm(path, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
