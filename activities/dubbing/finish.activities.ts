import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Sql } from '../../db/client.js';
import { refundJob } from '../../db/credits/ledger.js';
import { outputVideoOf, recordOutputVideo } from '../../db/dubbing/jobs.js';
import type { JobStore } from '../../db/jobs/store.js';
import type { JobRef } from '../../db/jobs/types.js';
import { addLibraryVideo } from '../../db/library/videos.js';
import { displayFilename, safeFilename } from '../../lib/library/filenames.js';
import { probeVideo, writeThumbnail } from '../../lib/library/probe-video.js';
import { createScratch } from '../../lib/scratch.js';
import type { Storage } from '../../providers/ports.js';
import { activityProgress } from '../../providers/progress.js';
import { libraryVideoKeys } from '../../providers/storage/keys.js';
import type { SourceVideo } from '../../workflows/dubbing/contract.js';
import { currentWriter, refuseForeignWrites, type JobCall } from '../engine/job.activities.js';

export interface FinishDeps {
  sql: Sql;
  store: JobStore;
  storage: Storage;
  tempRoot?: string;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** The finish stage and the compensation: the dub kept in the user's library; the DUST given back. */
export function createDubbingFinishActivities(deps: FinishDeps) {
  const { sql, store, storage } = deps;
  return {
    /**
     * Keeps the dub as a new library video of the user — `dub_<source stem>.mp4`, "Dub of <source
     * name>", its metadata probed, a JPEG thumbnail, the sha256 of its bytes, the job as its source
     * — and records it as the job's output; returns its id. When the user already has a video with
     * these bytes, that one is the output and the objects stored here are removed. A repeated
     * attempt returns the output already recorded. The intermediate dub is removed once kept.
     * Only the job's own workflow may.
     */
    async saveDub(input: JobCall & { accountId: string; source: SourceVideo; dubKey: string }): Promise<{ videoId: string; created: boolean }> {
      // Heartbeats throughout, so a lost worker's copy is taken over within a heartbeat timeout.
      const progress = activityProgress();
      progress.heartbeat({ phase: 'save' });
      return progress.keepAlive(() => saveDubOnce(input));
    },

    /** Gives the job's DUST back (failed or cancelled). The ledger applies it at most once; returns the DUST refunded by this call. */
    async refundDubbing(input: { job: JobRef; reason: string }): Promise<number> {
      return refundJob(sql, input.job.id, input.reason);
    },
  };

  async function saveDubOnce(input: JobCall & { accountId: string; source: SourceVideo; dubKey: string }): Promise<{ videoId: string; created: boolean }> {
    await refuseForeignWrites(() => store.checkWriter(input.job, currentWriter(input.originRunId)));
    const recorded = await outputVideoOf(sql, input.job.id);
    if (recorded) {
      await storage.delete(input.dubKey);
      return { videoId: recorded, created: false };
    }

    const scratch = await createScratch(`dub-finish-${input.job.id}`, deps.tempRoot);
    try {
      const dubPath = join(scratch.path, 'dub.mp4');
      const thumbnailPath = join(scratch.path, 'thumbnail.jpg');
      await storage.getToFile(input.dubKey, dubPath);
      // Probed and thumbnailed as uploads are: the same metadata for every library video.
      const [{ metadata, durationSeconds }, sha256, { size }] = await Promise.all([probeVideo(dubPath), sha256Of(dubPath), stat(dubPath)]);
      await writeThumbnail(dubPath, thumbnailPath, durationSeconds);

      const id = randomUUID();
      const { stem } = safeFilename(input.source.filename, 'mp4');
      const filename = `dub_${stem}.mp4`;
      const { videoKey, thumbnailKey } = libraryVideoKeys({ userId: input.accountId, videoId: id, uploadedAt: new Date(), stem: `dub_${stem}`, ext: 'mp4' });
      await storage.putFile(videoKey, dubPath, 'video/mp4');
      await storage.putFile(thumbnailKey, thumbnailPath, 'image/jpeg');
      const location = storage.location(videoKey);
      const removeStored = () => Promise.all([storage.delete(videoKey), storage.delete(thumbnailKey)]);
      const { video, created } = await sql.begin(async (tx) => {
        const added = await addLibraryVideo(tx, {
          id,
          userId: input.accountId,
          filename,
          originalFilename: displayFilename(`Dub of ${input.source.originalFilename}`, filename),
          s3Key: videoKey,
          s3Url: location.url,
          s3Bucket: location.bucket,
          contentType: 'video/mp4',
          fileSize: size,
          duration: durationSeconds,
          thumbnailKey,
          thumbnailUrl: storage.location(thumbnailKey).url,
          metadata,
          sha256,
          sourceJobId: input.job.id,
        });
        await recordOutputVideo(tx, input.job.id, added.video.id);
        return added;
      }).catch(async (error: unknown) => {
        await removeStored();
        throw error;
      });
      if (!created) await removeStored();
      await storage.delete(input.dubKey);
      return { videoId: video.id, created };
    } finally {
      await scratch.remove();
    }
  }
}
