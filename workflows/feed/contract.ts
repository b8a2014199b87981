import type { JobRef, JobTuning } from '../engine/contract.js';
import type { GenerationSpec } from '../generation/contract.js';

/**
 * The feed's creation contract (../shared/seeds/feed-backend-integration-plan.md) shared by the
 * API, the workflow and the activities: a prompt rendered by the generation pipeline's providers
 * into a feed video. Workflow-safe: types, constants and pure functions only.
 */

export const PIPELINE = 'feed';

/** The job's statuses mirror the video's (`feed_videos.status`); `failed` is the engine's. */
export const JOB_STATUSES = ['pending', 'processing', 'completed', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const TERMINAL_STATUSES = ['completed'] as const satisfies readonly JobStatus[];

/** Stages in the order they run: the render (waiting for a slot on the feed's queue first), then the video kept. */
export const STAGES = ['generate', 'finish'] as const;
export type Stage = (typeof STAGES)[number];

/**
 * What every feed video is rendered as: a five-second vertical clip (the feed scrolls on phones)
 * at 720p, text to video. The request carries only the prompt.
 */
export const FEED_RENDER = { durationSeconds: 5, resolution: 'hd_720p', aspectRatio: '9:16', cameraFixed: false } as const satisfies Partial<GenerationSpec>;

/** The generation spec a feed prompt is rendered from. */
export function feedGenerationSpec(prompt: string): GenerationSpec {
  return { type: 'text_to_video', prompt, ...FEED_RENDER, referencePerson: null, sourceImageUrl: null };
}

/**
 * The task queue feed renders wait on, polled by a worker that runs only the render activity with
 * at most VIDEO_MAX_CONCURRENT_GENERATIONS at once: the concurrency bound lives in Temporal, so
 * waiting renders survive restarts of the API and the workers.
 */
export const feedGenerationTaskQueue = (taskQueue: string) => `${taskQueue}-feed-generation`;

/** The only activity the feed generation worker registers. */
export const FEED_RENDER_ACTIVITY = 'renderFeedVideo';

export interface FeedVideoInput {
  job: JobRef;
  /** The signed-in user (Supabase `sub`) who owns the video (and pays FEED_VIDEO_COST, when set). */
  accountId: string;
  /** The `feed_videos` row the job renders. */
  videoId: string;
  spec: GenerationSpec;
  /** feedGenerationTaskQueue of the starting API's TEMPORAL_TASK_QUEUE. */
  generationTaskQueue: string;
  tuning?: JobTuning;
}

export const feedVideoWorkflowId = (jobKey: string) => `feed-video-${jobKey}`;

/** The failure reason a video shows when its job was cancelled (an admin's cancel) rather than failed. */
export const CANCELLED_REASON = 'the job was cancelled';
