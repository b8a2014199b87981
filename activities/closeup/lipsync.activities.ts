import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import type { LipsyncGenerator, Storage, SubmissionAnswers } from '../../providers/ports.js';
import { activityProgress } from '../../providers/progress.js';
import { ProviderError, toActivityFailure } from '../../providers/provider-error.js';

export interface GenerateLipsyncInput {
  jobId: number;
  portraitKey: string;
  answers: SubmissionAnswers;
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
}

export function createLipsyncActivities(deps: LipsyncDeps) {
  return {
    /** Portrait + answers → a talking clip in storage. Heartbeats belong to the generator (they carry its resume point). */
    async generateLipsync(input: GenerateLipsyncInput): Promise<LipsyncClip> {
      const progress = activityProgress();
      const workDir = await mkdtemp(join(deps.tempRoot ?? tmpdir(), `reelflow-lipsync-${input.jobId}-`));
      try {
        const portraitPath = join(workDir, 'portrait.jpg');
        await deps.storage.getToFile(input.portraitKey, portraitPath);
        const portraitUrl = await deps.storage.signedUrl(input.portraitKey);
        const outputPath = join(workDir, 'lipsync.mp4');
        const { predictionId } = await deps.generator.generate(
          { jobId: input.jobId, portraitPath, portraitUrl, answers: input.answers, outputPath },
          progress,
        );
        const clip = await stat(outputPath).catch(() => undefined);
        if (!clip?.size) {
          throw new ProviderError('LIPSYNC_NO_OUTPUT', `the ${deps.generator.name} lip-sync generator produced no clip`, { retryable: true });
        }
        const clipKey = `jobs/${input.jobId}/lipsync-${randomUUID()}.mp4`;
        await deps.storage.putFile(clipKey, outputPath, 'video/mp4');
        Context.current().log.info('lip-sync clip generated', { jobId: input.jobId, generator: deps.generator.name, predictionId, bytes: clip.size });
        return { clipKey, generator: deps.generator.name, ...(predictionId ? { predictionId } : {}) };
      } catch (error) {
        throw toActivityFailure(error);
      } finally {
        await rm(workDir, { recursive: true, force: true });
      }
    },
  };
}

export type LipsyncActivities = ReturnType<typeof createLipsyncActivities>;
