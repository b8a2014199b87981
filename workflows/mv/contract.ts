import type { Flavor } from '../../lib/mv/flavor-schema.js';
import type { JobRef, JobTuning } from '../engine/contract.js';
import type { GenerationSpec } from '../generation/contract.js';

/**
 * The MV pipeline's contract (the MV endpoints of ../shared/seeds/product-ad-generator-api.md),
 * shared by the API, the workflow and the activities: one job per request, one stage per job.
 * Workflow-safe: types and constants only.
 */

export const PIPELINE = 'mv';

/** `failed` is the engine's (a cancel by an admin ends there too). */
export const JOB_STATUSES = ['pending', 'processing', 'completed', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const TERMINAL_STATUSES = ['completed'] as const satisfies readonly JobStatus[];

/** Each request's one stage, named after what it makes. */
export const STAGES = ['plan_scenes', 'character_reference', 'video_gen'] as const;
export type Stage = (typeof STAGES)[number];

/**
 * What a job makes. The API resolves the flavor before the job exists (an unknown or broken one
 * creates nothing) and passes what the work needs: an edit to the flavor later does not change a
 * job that was accepted, and the worker needs no MV_CONFIG_DIR of its own.
 */
export type MvTask =
  | { kind: 'scenes'; flavor: Flavor; conceptPrompt: string; numScenes: number }
  | { kind: 'character_reference'; flavor: string; image: { prompt: string; width: number; height: number } }
  | {
      kind: 'video';
      flavor: string;
      spec: GenerationSpec;
      /** Checked to exist under mv/outputs/ at acceptance; the first one is animated (the generation port takes one image). */
      referenceKeys: string[];
      /** The `mv/projects/<project>/scenes/` folder the clip is stored in; null: the job's key. */
      project: string | null;
    };

export type MvTaskKind = MvTask['kind'];

export const STAGE_OF: Record<MvTaskKind, Stage> = { scenes: 'plan_scenes', character_reference: 'character_reference', video: 'video_gen' };

export interface MvInput {
  job: JobRef;
  task: MvTask;
  tuning?: JobTuning;
}

/** A planned scene, as the API answers it. */
export interface MvScene {
  sequence: number;
  prompt: string;
  duration: number;
}

/** What a completed job keeps in its final event's `detail.result`: the answer, with storage keys rather than links (signed when read). */
export type MvStoredResult = { scenes: MvScene[] } | { s3_key: string };

export const mvWorkflowId = (jobKey: string) => `mv-${jobKey}`;
