import { stat } from 'node:fs/promises';
import { probe, type MediaProbe } from '../ffmpeg.js';

/**
 * Probes of files that every stitch reads and that rarely change (the brand clips), remembered for
 * the life of the process. A file is known by its path, size, modification time and inode: a
 * clip replaced or rewritten in place (the brand-clip renderer renames a fresh file over the old
 * one) is probed again. One stat per use instead of one ffprobe process.
 */

const remembered = new Map<string, Promise<MediaProbe>>();

/** At most this many files are remembered; the oldest is forgotten first. */
const MAX_REMEMBERED = 32;

/** probe(path), answered from memory while the file is unchanged; rejects as probe() or stat() does. */
export async function rememberedProbe(path: string): Promise<MediaProbe> {
  const { size, mtimeMs, ino } = await stat(path);
  const key = `${path}\0${size}\0${mtimeMs}\0${ino}`;
  let pending = remembered.get(key);
  if (!pending) {
    pending = probe(path);
    remembered.set(key, pending);
    // A failed probe is not remembered: the next stitch tries again.
    pending.catch(() => remembered.delete(key));
    if (remembered.size > MAX_REMEMBERED) remembered.delete(remembered.keys().next().value!);
  }
  return pending;
}
