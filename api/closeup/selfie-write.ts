import { storageKey } from '../../providers/storage/keys.js';
import type { AppDeps } from '../lib/types.js';

/** A submission's selfie on its way to storage while the database work runs beside it. */
export interface SelfieWrite {
  key: string;
  /** Settles when the object is stored; awaited before any workflow may read it (start or signal). */
  written: Promise<void>;
  /** Removes the object once its write has succeeded (a failed write stored nothing to remove): no job refers to it. A failure is logged, not thrown. */
  discard(): Promise<void>;
}

/**
 * Starts writing the selfie of job `jobId` under a fresh key. The write's failure surfaces where
 * `written` is awaited; until then it is held, not reported as unhandled.
 */
export function writeSelfie(deps: Pick<AppDeps, 'storage' | 'logger'>, jobId: number, jpeg: Buffer): SelfieWrite {
  const key = storageKey({ job: jobId }, 'selfie', 'jpg');
  const written = deps.storage.putBuffer(key, jpeg, 'image/jpeg');
  written.catch(() => {});
  return {
    key,
    written,
    async discard() {
      // A delete that overtook the write would leave the object behind.
      if (!(await written.then(() => true, () => false))) return;
      await deps.storage.delete(key).catch((error: unknown) => deps.logger.warn({ err: error, key }, 'could not remove the selfie of a failed submission'));
    },
  };
}
