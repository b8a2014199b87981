import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import type { MvActivities } from '../../activities/mv/index.js';
import type { JobTuning } from '../engine/contract.js';
import { jobKit, onProviderQueue } from '../engine/kit.js';
import { heartbeatingStageTimeouts } from '../engine/stage-timeouts.js';
import { PIPELINE, STAGE_OF, type JobStatus, type MvInput, type MvStoredResult, type Stage } from './contract.js';

const retryTransient = { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m' } as const;

/** The scene plan, on Groq's queue (the local writer runs there too). */
function planActivities() {
  return proxyActivities<MvActivities>({
    ...onProviderQueue('groq'),
    startToCloseTimeout: '2m',
    retry: { ...retryTransient, maximumAttempts: 6 },
  });
}

/** Media stages heartbeat; a cancel waits until they stopped (a prediction cancelled, ffmpeg killed). */
function mediaActivities(tuning: JobTuning | undefined) {
  return proxyActivities<MvActivities>({
    ...onProviderQueue('predictions'),
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    ...heartbeatingStageTimeouts(tuning, { attempt: '30m', budget: '2h' }),
  });
}

export interface MvResult {
  status: 'completed' | 'not_accepted';
}

/**
 * One MV request (scene plan, character reference or scene clip), run under `mv-<job key>` while
 * the API's request waits for the job to end (MV_SYNC_TIMEOUT_SECONDS; past that the client polls
 * GET /api/mv/jobs/{job_id}). The answer is recorded in the completed event's `detail.result`, the
 * media as the job's assets. A failure or an admin's cancel ends the job `failed` (the kit's epilogue).
 */
export async function mvWorkflow(input: MvInput): Promise<MvResult> {
  const { job, task } = input;
  const kit = jobKit<JobStatus, Stage>({ pipeline: PIPELINE, job });
  // The API's transaction may still be open, or may have rolled back: then there is no job to run.
  if (!(await kit.accepted())) return { status: 'not_accepted' };
  const stage = STAGE_OF[task.kind];
  const report = { job, originRunId: kit.originRunId, stage };
  const done = (result: MvStoredResult, change: { detail: Record<string, unknown>; costUsd?: number; assets?: { kind: string; key: string }[] }) =>
    kit.status('completed', { ...change, detail: { ...change.detail, result } });

  return kit.run(async (): Promise<MvResult> => {
    await kit.enter(stage, 'processing');
    if (task.kind === 'scenes') {
      const plan = await planActivities().planMvScenes({ flavor: task.flavor, conceptPrompt: task.conceptPrompt, numScenes: task.numScenes });
      await done({ scenes: plan.scenes }, { costUsd: plan.costUsd, detail: { writer: plan.writer, model: plan.model, usage: plan.usage } });
    } else if (task.kind === 'character_reference') {
      const image = await mediaActivities(input.tuning).renderCharacterReference({ job, image: task.image, report });
      await done({ s3_key: image.imageKey }, { detail: { model: image.model, ...(image.predictionId ? { prediction_id: image.predictionId } : {}) }, assets: [{ kind: 'character_reference', key: image.imageKey }] });
    } else {
      const clip = await mediaActivities(input.tuning).generateMvScene({ job, spec: task.spec, referenceKeys: task.referenceKeys, project: task.project, report });
      await done(
        { s3_key: clip.videoKey },
        { detail: { model: clip.model, seconds: clip.durationSeconds, width: clip.width, height: clip.height, bytes: clip.bytes, ...(clip.predictionId ? { prediction_id: clip.predictionId } : {}) }, assets: [{ kind: 'video', key: clip.videoKey }] },
      );
    }
    return { status: 'completed' };
  });
}
