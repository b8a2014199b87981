import type { JobRef, JobTuning } from '../engine/contract.js';

/**
 * The generation contract (../shared/seeds/async-generation-api.md) shared by the API, the
 * workflow and the providers: kinds, statuses, stages, the request's vocabulary and the frame
 * sizes it stands for. Workflow-safe: types and pure functions only.
 */

export const PIPELINE = 'generation';

export const GENERATION_TYPES = ['text_to_video', 'image_to_video'] as const;
export type GenerationType = (typeof GENERATION_TYPES)[number];

/** The seed's statuses; `failed` is the engine's. */
export const JOB_STATUSES = ['queued', 'starting', 'processing', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const ACTIVE_STATUSES = ['queued', 'starting', 'processing'] as const satisfies readonly JobStatus[];
export const TERMINAL_STATUSES = ['completed', 'cancelled'] as const satisfies readonly JobStatus[];

/** Stages in the order they run; `fetch_source` only for image-to-video. */
export const STAGES = ['fetch_source', 'generate', 'finish'] as const;
export type Stage = (typeof STAGES)[number];

/** The seed: short = 5 s, medium = 10 s, long = 15 s. */
export const DURATIONS = { short: 5, medium: 10, long: 15 } as const;
export type DurationName = keyof typeof DURATIONS;

/** The short side of the frame, in pixels. */
export const RESOLUTIONS = { sd_480p: 480, hd_720p: 720, hd_1080p: 1080, '4k_2160p': 2160 } as const;
export type Resolution = keyof typeof RESOLUTIONS;

export const ASPECT_RATIOS = ['16:9', '9:16', '1:1', '4:3', '3:4'] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];

/**
 * The frame a resolution and aspect ratio stand for: the short side is the resolution's, the long
 * side follows the ratio, both rounded to even (H.264 4:2:0 needs even sides). 9:16 at sd_480p is
 * 480×854, 16:9 at hd_1080p is 1920×1080.
 */
export function frameSize(resolution: Resolution, aspectRatio: AspectRatio): { width: number; height: number } {
  const short = RESOLUTIONS[resolution];
  const [w, h] = aspectRatio.split(':').map(Number) as [number, number];
  const even = (value: number) => 2 * Math.round(value / 2);
  return w >= h ? { width: even((short * w) / h), height: short } : { width: short, height: even((short * h) / w) };
}

export interface ReferencePerson {
  person_id: string;
  relationship: string;
}

/** What was asked for, as stored with the job and passed to the provider. */
export interface GenerationSpec {
  type: GenerationType;
  prompt: string;
  durationSeconds: (typeof DURATIONS)[DurationName];
  resolution: Resolution;
  aspectRatio: AspectRatio;
  cameraFixed: boolean;
  referencePerson: ReferencePerson | null;
  /** image_to_video: the URL the user gave (fetched by the worker through the guarded fetch). */
  sourceImageUrl: string | null;
}

export const WEBHOOK_EVENTS = ['start', 'completed'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface GenerationInput {
  job: JobRef;
  /** The signed-in user (Supabase `sub`) who pays for and owns the job. */
  accountId: string;
  spec: GenerationSpec;
  webhook: { url: string; events: WebhookEvent[] } | null;
  tuning?: JobTuning;
}

export const generationWorkflowId = (jobKey: string) => `generation-${jobKey}`;

const FAILED_PREFIX = 'Video generation failed';

/** The seed's `error` text for a job that did not complete: "Video generation failed: <reason>". */
export function failureText(status: string, errorMessage: string | null): string {
  if (status === 'cancelled') return 'Video generation was cancelled';
  const reason = errorMessage ?? 'no reason recorded';
  // The predictions client already words it so.
  return reason.startsWith(FAILED_PREFIX) ? reason : `${FAILED_PREFIX}: ${reason}`;
}
