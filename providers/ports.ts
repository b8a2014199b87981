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

import type { Readable } from 'node:stream';
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
  /**
   * When the activity's first attempt was scheduled, on an attempt after one that failed or was
   * lost (what it did may have to be found); undefined on the first attempt.
   */
  earlierAttemptsSince?: Date;
  /**
   * Once `signal` has aborted: whether only this attempt stopped and the work goes on in another
   * (what it started must be left running), rather than the job being cancelled or its run closed.
   * Without it, the abort's reason decides alone (providers/progress.ts, stopsOnlyThisAttempt).
   */
  onlyThisAttemptStopped?(): Promise<boolean>;
}

export interface LipsyncGenerator {
  readonly name: 'local' | 'http';
  generate(input: LipsyncInput, progress: ActivityProgress): Promise<{ predictionId?: string }>;
}

/** A library video and its voice-over, for dubbing; local paths and signed URLs of both. */
export interface DubRequest {
  jobId: number;
  /** The source video on local disk (local adapter) … */
  videoPath: string;
  /** … and a signed URL of it that a remote provider can fetch (http adapter). */
  videoUrl: string;
  /** The voice-over (AAC .m4a) on local disk … */
  audioPath: string;
  /** … and a signed URL of it. */
  audioUrl: string;
  /** The source video's length in seconds (probed): the dub keeps it. */
  durationSeconds: number;
  /** Where the dubbed mp4 must be written. */
  outputPath: string;
}

/**
 * Lip-sync dubbing: the video's speaker made to say the voice-over, its own audio replaced. The
 * http adapter runs LIPSYNC_MODEL on the predictions API (video and audio in; the prediction id
 * heartbeated, resumed on retry, cancelled with the job); the local one lays the voice-over on the
 * unchanged picture with ffmpeg. Throws ProviderError.
 */
export interface VideoDubber {
  readonly name: 'local' | 'http';
  dub(request: DubRequest, progress: ActivityProgress): Promise<{ model: string; predictionId?: string }>;
}

export interface Storage {
  readonly backend: 'local' | 's3';
  putFile(key: string, path: string, contentType: string): Promise<void>;
  putBuffer(key: string, data: Buffer, contentType: string): Promise<void>;
  /**
   * Stores a stream as it arrives, never holding it whole (S3: multipart upload in parts). When the
   * stream errors or is destroyed, rejects and leaves nothing behind (the multipart upload aborted,
   * the local temporary file removed).
   */
  putStream(key: string, body: Readable, contentType: string): Promise<void>;
  getToFile(key: string, path: string): Promise<void>;
  getBuffer(key: string): Promise<Buffer>;
  exists(key: string): Promise<boolean>;
  /** A URL that lets anyone holding it GET the object until it expires. */
  signedUrl(key: string, ttlSeconds?: number): Promise<string>;
  /** Removes the object; removing one that is not there is not an error. */
  delete(key: string): Promise<void>;
  /** Where the object lives, unsigned (not readable without a signature): its bucket and address. */
  location(key: string): { bucket: string; url: string };
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

/** What a product ad is about (the product-ad seed's form). */
export interface AdBrief {
  productName: string;
  style: string;
  ctaText: string;
  /** Whether the merchant uploaded a product photo (the visuals then animate it). */
  hasProductImage: boolean;
  /** The ad's target length, seconds. */
  targetSeconds: number;
}

/** An ad script: what is said, what is shown and when. Times in seconds from the start. */
export interface AdScript {
  hook: string;
  body: string;
  callToAction: string;
  /** The whole voice-over, in speaking order (hook, body, call to action). */
  voiceover: string;
  /** Short lines shown on screen, each within [0, targetSeconds]. */
  onScreenLines: { text: string; startSeconds: number; endSeconds: number }[];
  /** A prompt for the visuals (text-to-video or image-to-video). */
  visualPrompt: string;
}

/** A music-video scene plan request: the concept, how many scenes, and the flavor's template and parameters. */
export interface ScenePlanRequest {
  conceptPrompt: string;
  numScenes: number;
  /** The flavor's scene prompt template (scene_prompts.yaml) and parameters (parameters.yaml), as parsed. */
  template: string;
  parameters: Record<string, unknown>;
}

export interface ScenePlan {
  scenes: { sequence: number; prompt: string; duration: number }[];
}

/** How a writer's answer was made: its model ('local/template' offline) and the tokens it used (for cost). */
export interface WriterAnswer<T> {
  value: T;
  model: string;
  usage: TokenUsage;
}

/**
 * Structured text from a language model: JSON answers validated with zod (Groq chat completions),
 * or a deterministic template writer offline. Throws ProviderError.
 */
export interface TextWriter {
  readonly name: 'groq' | 'local';
  writeAdScript(brief: AdBrief, signal?: AbortSignal): Promise<WriterAnswer<AdScript>>;
  planScenes(request: ScenePlanRequest, signal?: AbortSignal): Promise<WriterAnswer<ScenePlan>>;
}

/** Speech for a voice-over: Groq's OpenAI-compatible speech endpoint, or espeak-ng offline. */
export interface SpeechSynthesizer {
  readonly name: 'groq' | 'local';
  /**
   * Writes the spoken `text` to `outputPath` as AAC in an .m4a, in `voice` (an Orpheus voice name,
   * workflows/dubbing/contract.ts VOICES) or the configured one; throws ProviderError.
   */
  synthesize(request: { text: string; outputPath: string; voice?: string }, signal?: AbortSignal): Promise<{ model: string; voice: string; durationSeconds: number; characters: number }>;
}

/** Still images (MV character references): a predictions API model, or a local render. */
export interface ImageGenerator {
  readonly name: 'local' | 'http';
  /** Writes a JPEG of the prompt at width×height to `outputPath` (a provider's PNG/WebP converted); throws ProviderError. */
  generate(request: { prompt: string; width: number; height: number; outputPath: string }, progress: ActivityProgress): Promise<{ model: string; predictionId?: string }>;
}
