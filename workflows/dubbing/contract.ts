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

/**
 * The voices a job may ask for: Groq's English Orpheus voices (canopylabs/orpheus-v1-english);
 * the offline synthesizer speaks each with an espeak-ng variant of its own. Without one, the
 * speech provider's configured voice (GROQ_TTS_VOICE).
 */
export const VOICES = ['autumn', 'diana', 'hannah', 'austin', 'daniel', 'troy'] as const;
export type Voice = (typeof VOICES)[number];

/** The most characters a typed transcript (`transcript_text`) may have. */
export const TRANSCRIPT_MAX_CHARS = 20_000;

/**
 * How much text a video can carry: speech runs at about 15 characters a second, so 30 a second
 * (twice that) with a floor of 300 covers any natural reading, and a transcript far longer than
 * its video — all of it spoken, then cut — is refused before minutes of synthesis are spent on it.
 */
export const TRANSCRIPT_CHARS_PER_VIDEO_SECOND = 30;
export const TRANSCRIPT_MIN_ALLOWANCE = 300;

/** The most characters a transcript for a video of `durationSeconds` may have. */
export const transcriptAllowance = (durationSeconds: number) =>
  Math.max(TRANSCRIPT_MIN_ALLOWANCE, Math.ceil(durationSeconds * TRANSCRIPT_CHARS_PER_VIDEO_SECOND));

/** The library video a job dubs, as the API found it (its owner's, not deleted, locked while the job was created). */
export interface SourceVideo {
  id: string;
  /** Its storage key. */
  key: string;
  /** The seed's safe `filename` ("my_video.mp4"): the dub is `dub_<its stem>.mp4`. */
  filename: string;
  /** As the user named it: the dub is "Dub of <this>". */
  originalFilename: string;
}

export interface DubbingInput {
  job: JobRef;
  /** The signed-in user (Supabase `sub`) who pays for the job and owns both videos. */
  accountId: string;
  source: SourceVideo;
  transcript: string;
  /** A voice name; null: the speech provider's default. */
  voice: Voice | null;
  tuning?: JobTuning;
}

export const dubbingWorkflowId = (jobKey: string) => `dubbing-${jobKey}`;
