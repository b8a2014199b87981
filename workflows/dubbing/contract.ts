import type { JobRef, JobTuning } from '../engine/contract.js';

/**
 * The dubbing contract shared by the API, the workflow and the activities: a library video
 * (../shared/seeds/s3-video-library-api.md, "Usage in Job Creation") lip-synced to a spoken
 * transcript, the result a new library video of the same user. Workflow-safe: types and constants.
 */

export const PIPELINE = 'dubbing';

export const JOB_STATUSES = ['queued', 'processing', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const ACTIVE_STATUSES = ['queued', 'processing'] as const satisfies readonly JobStatus[];
export const TERMINAL_STATUSES = ['completed', 'cancelled'] as const satisfies readonly JobStatus[];

/** Stages in the order they run: the transcript spoken, lip-synced onto the video, kept in the library. */
export const STAGES = ['speech', 'lipsync', 'finish'] as const;
export type Stage = (typeof STAGES)[number];

/** The library video a job dubs, as the API found it (its owner's, not deleted). */
export interface SourceVideo {
  id: string;
  key: string;
  filename: string;
  /** Seconds, from the library row (ffprobe at upload); the dub keeps this length. */
  durationSeconds: number;
}

export interface DubbingInput {
  job: JobRef;
  /** The signed-in user (Supabase `sub`) who pays for the job and owns both videos. */
  accountId: string;
  source: SourceVideo;
  transcript: string;
  /** A voice name; null: the speech provider's default. */
  voice: string | null;
  tuning?: JobTuning;
}

export const dubbingWorkflowId = (jobKey: string) => `dubbing-${jobKey}`;
