import { createScratch } from '../../lib/scratch.js';
import { storageKey } from '../../providers/storage/keys.js';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import type { JobStore } from '../../db/jobs/store.js';
import { createProgressReporter, type ProgressTarget } from '../engine/progress-reporter.js';
import type { LipsyncGenerator, Storage, SubmissionAnswers } from '../../providers/ports.js';
import { activityProgress } from '../../providers/progress.js';
import { ProviderError, toActivityFailure } from '../../providers/provider-error.js';

export interface GenerateLipsyncInput {
  jobId: number;
  portraitKey: string;
  answers: SubmissionAnswers;
  /** Where the generator's progress goes (the job's event stream); none for a bare run. */
  report?: ProgressTarget;
}

export interface LipsyncClip {
  clipKey: string;
  /** Which adapter made the clip: `local` means an offline render, not a lip-sync model. */
  generator: LipsyncGenerator['name'];
  predictionId?: string;
}

export interface LipsyncDeps {
  storage: Storage;
  generator: LipsyncGenerator;
  /** Parent of each attempt's scratch folder; the OS temp dir unless given. */
  tempRoot?: string;
  store?: JobStore;
}

export function createLipsyncActivities(deps: LipsyncDeps) {
  return {
    /** Portrait + answers → a talking clip in storage. Heartbeats belong to the generator (they carry its resume point). */
    async generateLipsync(input: GenerateLipsyncInput): Promise<LipsyncClip> {
      const reporter = input.report && deps.store ? createProgressReporter(deps.store, input.report) : undefined;
      const progress = activityProgress((fraction) => reporter?.report(fraction * 0.95));
      const scratch = await createScratch(`lipsync-${input.jobId}`, deps.tempRoot);
      const workDir = scratch.path;
      try {
        const portraitPath = join(workDir, 'portrait.jpg');
        await deps.storage.getToFile(input.portraitKey, portraitPath);
        const portraitUrl = await deps.storage.signedUrl(input.portraitKey);
        const outputPath = join(workDir, 'lipsync.mp4');
        // The output's download sends no heartbeats of its own; keepAlive repeats the generator's.
        const { predictionId } = await progress.keepAlive(() =>
          deps.generator.generate({ jobId: input.jobId, portraitPath, portraitUrl, answers: input.answers, outputPath }, progress),
        );
        const clip = await stat(outputPath).catch(() => undefined);
        if (!clip?.size) {
          throw new ProviderError('LIPSYNC_NO_OUTPUT', `the ${deps.generator.name} lip-sync generator produced no clip`, { retryable: true });
        }
        const clipKey = storageKey({ job: input.jobId }, 'lipsync', 'mp4');
        await deps.storage.putFile(clipKey, outputPath, 'video/mp4');
        reporter?.report(1);
        await reporter?.flush();
        Context.current().log.info('lip-sync clip generated', { jobId: input.jobId, generator: deps.generator.name, predictionId, bytes: clip.size });
        return { clipKey, generator: deps.generator.name, ...(predictionId ? { predictionId } : {}) };
      } catch (error) {
        throw toActivityFailure(error);
      } finally {
        await scratch.remove();
      }
    },
  };
}

export type LipsyncActivities = ReturnType<typeof createLipsyncActivities>;
