import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `target` through a temporary file beside it (`.<name>.<uuid>.tmp`, same folder so the
 * rename is atomic), creating the folder first: a reader never sees half a file, and a failed
 * `write` leaves nothing behind. `write` receives the temporary path; its error is rethrown.
 */
export async function writeAtomically(target: string, write: (temp: string) => Promise<unknown>): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const temp = join(dirname(target), `.${basename(target)}.${randomUUID()}.tmp`);
  try {
    await write(temp);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
