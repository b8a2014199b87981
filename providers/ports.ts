/**
 * The contracts between the pipeline's activities and the outside services they use. Each port has
 * a real adapter (chosen by configuration in production) and a local one that does real work
 * offline. Adapters throw ProviderError (providers/provider-error.ts) for provider failures.
 */

export const PHOTO_LABELS = ['APPROVED', 'REJECT_RELIGIOUS', 'REJECT_NSFW', 'REJECT_INVALID'] as const;
export type PhotoLabel = (typeof PHOTO_LABELS)[number];

export interface TokenUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface PhotoVerdict {
  label: PhotoLabel;
  /** Why, in words a user can act on ("Only one face, please"). */
  reason: string;
  usage: TokenUsage;
  validator: 'groq' | 'local';
}

export interface PhotoValidator {
  readonly name: 'groq' | 'local';
  /** `image` is a normalised JPEG from lib/media/image-intake.ts. */
  validate(image: Buffer, signal?: AbortSignal): Promise<PhotoVerdict>;
}

import type { SubmissionAnswers } from '../workflows/closeup/contract.js';
import type { GenerationSpec } from '../workflows/generation/contract.js';

export type { SubmissionAnswers };

export interface LipsyncInput {
  jobId: number;
  /** The normalised portrait on local disk (local adapter) … */
  portraitPath: string;
  /** … and a signed URL of it that a remote provider can fetch (http adapter). */
  portraitUrl: string;
  answers: SubmissionAnswers;
  /** Where the generated clip must be written. */
  outputPath: string;
}

export interface ActivityProgress {
  /** Records progress with Temporal; `details` come back as `resumeFrom` on the next attempt. */
  heartbeat(details?: unknown): void;
  resumeFrom: unknown;
  /** Aborted when the activity is cancelled (job cancelled) or times out. */
  signal: AbortSignal;
  /** The work's progress, 0–1, for the job's live view (throttled and kept monotonic by the caller). */
  report(fraction: number): void;
}

export interface LipsyncGenerator {
  readonly name: 'local' | 'http';
  generate(input: LipsyncInput, progress: ActivityProgress): Promise<{ predictionId?: string }>;
}

export interface Storage {
  readonly backend: 'local' | 's3';
  putFile(key: string, path: string, contentType: string): Promise<void>;
  putBuffer(key: string, data: Buffer, contentType: string): Promise<void>;
  getToFile(key: string, path: string): Promise<void>;
  getBuffer(key: string): Promise<Buffer>;
  exists(key: string): Promise<boolean>;
  /** A URL that lets anyone holding it GET the object until it expires. */
  signedUrl(key: string, ttlSeconds?: number): Promise<string>;
  /** Removes the object; removing one that is not there is not an error. */
  delete(key: string): Promise<void>;
}

export interface OtpMessage {
  /** E.164, e.g. +919876543210. */
  to: string;
  text: string;
}

export interface OtpSender {
  readonly name: 'console' | 'webhook' | 'twilio';
  send(message: OtpMessage, signal?: AbortSignal): Promise<{ providerMessageId?: string }>;
}

/** What the video message carries: an uploaded WhatsApp media id, or a link the provider fetches. */
export type VideoSource = { mediaId: string } | { url: string };

export interface VideoMessage {
  /** Sent back by the provider with every status (biz_opaque_callback_data), so a lost reply can be recognised. */
  jobId: number;
  /** E.164 recipient. */
  to: string;
  video: VideoSource;
}

/**
 * Sends the finished video. Two steps so that the delivery activity can persist the media id
 * before sending and the message id right after; it alone guarantees one message per job.
 */
export interface VideoDelivery {
  readonly name: 'outbox' | 'cloud';
  /** Uploads the file when the provider sends by media id (cloud); absent when it sends by link (outbox). */
  uploadMedia?(videoPath: string, signal?: AbortSignal): Promise<{ mediaId: string }>;
  send(message: VideoMessage, signal?: AbortSignal): Promise<{ messageId: string }>;
  /**
   * True when repeating a send whose outcome is unknown cannot produce a second message (the
   * outbox keeps one row per job). The Cloud API has no idempotency key, so it is false there.
   */
  readonly repeatableSend: boolean;
}


export interface GenerationRequest {
  jobId: number;
  spec: GenerationSpec;
  /** Output frame, from frameSize(spec.resolution, spec.aspectRatio). */
  width: number;
  height: number;
  /** image_to_video: our copy of the source image on local disk (local adapter) … */
  imagePath?: string;
  /** … and a signed URL of that copy a remote provider can fetch (http adapter). */
  imageUrl?: string;
  /** Where the generated mp4 must be written. */
  outputPath: string;
}

/**
 * Text-to-video and image-to-video, for every pipeline that generates media. The http adapter
 * heartbeats its prediction id (a retried attempt resumes it: one prediction, one payment) and
 * cancels the prediction when the job is cancelled.
 */
export interface VideoGenerator {
  readonly name: 'local' | 'http';
  generate(request: GenerationRequest, progress: ActivityProgress): Promise<{ model: string; predictionId?: string }>;
}
