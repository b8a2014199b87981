import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Older than any activity may run (the longest start-to-close timeout is 30 minutes). */
export const STALE_SCRATCH_MS = 6 * 3600_000;

/**
 * Removes activity scratch folders (`reelflow-<stage>-…`) that a killed worker left behind: a
 * SIGKILL skips the `finally` that normally removes them.
 */
export async function sweepStaleScratch(dir: string, now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!/^reelflow-(lipsync|stitch|delivery)-/.test(name)) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isDirectory() || now - info.mtimeMs < STALE_SCRATCH_MS) continue;
    await rm(path, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
