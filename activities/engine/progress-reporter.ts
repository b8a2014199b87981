import type { JobStore } from '../../db/jobs/store.js';
import type { JobRef } from '../../db/jobs/types.js';
import { currentWriter } from './job.activities.js';

/** Where an activity reports its stage's progress: the job, the calling run chain, the stage. */
export interface ProgressTarget {
  job: JobRef;
  originRunId: string;
  stage: string;
}

/** At most this many progress events per second per job reach the event log and live clients. */
const MAX_EVENTS_PER_SECOND = 4;

/**
 * A throttled, monotonic progress reporter for a running activity: `report(0.42)` records progress
 * 0–1 within the stage at most four times a second (the last value of a burst is kept and written
 * when the window passes), never a value below the last one written, and 1 at once. Progress is
 * best-effort: a failed write is dropped, never failing the stage. `flush()` waits for pending writes.
 * Call inside an activity (the writer comes from its context).
 */
export function createProgressReporter(store: JobStore, target: ProgressTarget, now: () => number = Date.now) {
  const writer = currentWriter(target.originRunId);
  const intervalMs = 1000 / MAX_EVENTS_PER_SECOND;
  let written = 0;
  let lastWriteAt = -Infinity;
  let queued: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let pending: Promise<unknown> = Promise.resolve();

  function write(progress: number) {
    queued = undefined;
    if (progress <= written) return;
    written = progress;
    lastWriteAt = now();
    pending = pending.then(() => store.recordProgress(target.job, writer, { stage: target.stage, progress })).catch(() => undefined);
  }

  return {
    report(fraction: number): void {
      const progress = Math.round(Math.min(1, Math.max(0, fraction)) * 1000) / 1000;
      if (progress <= written) return;
      const wait = lastWriteAt + intervalMs - now();
      if (progress === 1 || wait <= 0) {
        clearTimeout(timer);
        timer = undefined;
        write(progress);
        return;
      }
      queued = Math.max(queued ?? 0, progress);
      timer ??= setTimeout(() => {
        timer = undefined;
        if (queued !== undefined) write(queued);
      }, wait);
    },
    async flush(): Promise<void> {
      clearTimeout(timer);
      timer = undefined;
      if (queued !== undefined) write(queued);
      await pending;
    },
  };
}
