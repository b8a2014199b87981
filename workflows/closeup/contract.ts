import { defineSignal } from '@temporalio/workflow';
import type { JobRef, JobTuning } from '../engine/contract.js';

/**
 * The Close-Up contract shared by the API and the workflows: statuses, stages, workflow IDs,
 * inputs and signals. No phone number or other PII ever goes into these types: activities load
 * what they need by job id.
 */

export const PIPELINE = 'closeup';

/** Statuses that hold the user's one slot; it frees at `uploaded`. */
export const ACTIVE_STATUSES = [
  'awaiting_otp',
  'queued',
  'photo_processing',
  'photo_done',
  'lipsync_processing',
  'lipsync_done',
  'stitching',
] as const;

/** The seed's lifecycle, with the states before it (awaiting_otp) and after an unanswered OTP. */
export const JOB_STATUSES = [...ACTIVE_STATUSES, 'uploaded', 'sent', 'failed', 'otp_expired'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Statuses after which nothing more happens to a job (`uploaded` still waits for delivery). */
export const TERMINAL_STATUSES = ['sent', 'failed', 'otp_expired'] as const satisfies readonly JobStatus[];

export function isActive(status: JobStatus): boolean {
  return (ACTIVE_STATUSES as readonly JobStatus[]).includes(status);
}

/** Where a job can fail; recorded as `failed_stage`. `delivery` runs after `uploaded`. */
export const STAGES = ['otp', 'photo_processing', 'lipsync_processing', 'stitching', 'delivery'] as const;
export type Stage = (typeof STAGES)[number];

export const closeupWorkflowId = (userId: string) => `closeup-${userId}`;
/** The user's one slot (jobs.concurrency_key): held from submission until `uploaded`. */
export const closeupConcurrencyKey = (userId: string) => `closeup:${userId}`;
export const deliveryWorkflowId = (jobId: number) => `closeup-delivery-${jobId}`;

export interface SubmissionAnswers {
  gender: string;
  attribute_love: string;
  relationship_status: string;
  vibe: string;
}

export interface CloseupInput {
  job: JobRef;
  userId: string;
  needsOtp: boolean;
  /** How long a sent code is valid; the workflow waits this long (plus a grace) for it. */
  otpExpiryMs: number;
  selfieKey: string;
  answers: SubmissionAnswers;
  /** SHA-256 (hex) of the submitter's tracking token, so the workflow can (re)create the job row. */
  trackingTokenHash: string;
  /** The first code, reserved by the API under the cooldown and hourly cap; null for verified users. */
  otpId: number | null;
  tuning?: JobTuning;
}

export interface DeliveryInput {
  job: JobRef;
  videoKey: string;
  tuning?: JobTuning;
}

/** A new code was reserved for the job (API checked cooldown and hourly cap); send it. */
export const otpRequestedSignal = defineSignal<[{ otpId: number }]>('otpRequested');
/** The user proved the number: the API checked the code in PostgreSQL and marked it used. */
export const otpVerifiedSignal = defineSignal<[]>('otpVerified');
/** The user submitted again while the OTP was pending: new form and photo, maybe a new code. */
export const resubmittedSignal = defineSignal<[{ selfieKey: string; answers: SubmissionAnswers; otpId: number | null }]>('resubmitted');
