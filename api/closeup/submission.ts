import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type WorkflowStartOptions } from '@temporalio/client';
import postgres from 'postgres';
import type { Queryable, Tx } from '../../db/client.js';
import { generateTrackingToken, hashTrackingToken } from '../../lib/secrets.js';
import { searchAttributes } from '../../lib/temporal.js';
import { jobSearchAttributes } from '../../workflows/search-attributes.js';
import type { IntakePhoto } from '../../lib/media/image-intake.js';
import {
  PIPELINE,
  closeupWorkflowId,
  resubmittedSignal,
  type CloseupInput,
  type JobStatus,
  type SubmissionAnswers,
} from '../../workflows/closeup/contract.js';
import { closeupSubmissionWorkflow } from '../../workflows/closeup/submission.js';
import { temporalCallNeverSent } from '../lib/dependency-errors.js';
import { START_DEADLINE_MS } from '../lib/start-job.js';
import type { AppDeps } from '../lib/types.js';
import { findActiveJob, type ActiveJob } from './active-job.js';
import { lockUser, lockUserAndReserveOtp, reserveOtp } from './otp-policy.js';
import { findOrCreateUser, type UserRecord } from './users.js';
import { createCloseupJob } from '../../db/closeup/jobs.js';
import type { JobRef } from '../../db/jobs/types.js';
import { writeSelfie } from './selfie-write.js';

export type SubmissionOutcome =
  | { status: 'video_created'; jobId: number; trackingToken: string }
  | { status: 'otp_sent'; jobId: number; trackingToken: string; retryAfterSeconds?: number }
  | { status: 'pending'; jobId: number }
  | { status: 'otp_limited'; retryAfterSeconds: number }
  /** The previous job has ended but its run has not closed yet (no worker to close it?). */
  | { status: 'busy'; retryAfterSeconds: number };

/** How long a submission waits for the run of a job that just ended to close. */
const FINISHING_RUN_WAIT_MS = 5_000;

interface Submission {
  e164: string;
  answers: SubmissionAnswers;
  photo: IntakePhoto;
}

/**
 * Whether this request's workflow may exist: `none` until a start or signal was carried out or
 * may have been (`maybe`). What a failed submission created is removed only while it is `none`;
 * otherwise the workflow may need it (it writes its job itself when the API could not).
 */
interface Reach {
  workflow: 'none' | 'maybe';
}

/** Runs one Temporal call under the start deadline; a failure that may have reached the server marks `reach`. */
async function reachTemporal<T>(deps: AppDeps, reach: Reach, call: () => Promise<T>): Promise<T> {
  try {
    const result = await deps.temporal.connection.withDeadline(Date.now() + START_DEADLINE_MS, call);
    reach.workflow = 'maybe';
    return result;
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError || error instanceof WorkflowNotFoundError || temporalCallNeverSent(error))) reach.workflow = 'maybe';
    throw error;
  }
}

/**
 * A form submission. Temporal decides who wins: the workflow ID is per user with conflict policy
 * FAIL, so of many simultaneous submissions exactly one starts a job; the others find it and answer
 * `pending`, or — while it still waits for the OTP — replace its form and photo (`otp_sent`).
 * A submission that fails (PostgreSQL or Temporal unreachable: the app answers 503) before any
 * workflow was started or signalled leaves nothing: not its selfie, nor the user it created.
 */
export async function submitVideo(deps: AppDeps, submission: Submission, reconsidered = false): Promise<SubmissionOutcome> {
  const keys = { encryptionKey: deps.config.PHONE_ENCRYPTION_KEY, indexKey: deps.config.PHONE_HASH_KEY };
  // The job id is reserved beside the user's lookup (one round trip for both); one left unused is
  // a gap in the sequence, nothing more.
  const [found, reserved] = await Promise.allSettled([findOrCreateUser(deps.sql, keys, submission.e164), deps.store.reserve()]);
  if (found.status === 'rejected') throw found.reason;
  const user = found.value;
  const reach: Reach = { workflow: 'none' };
  try {
    if (reserved.status === 'rejected') throw reserved.reason;
    return await submitAs(deps, user, reserved.value, submission, reconsidered, reach);
  } catch (error) {
    if (user.created && reach.workflow === 'none') await forgetNewUser(deps, user.id);
    // Another request's failure removed the user this one found (see forgetNewUser): start over once.
    if (isMissingUser(error) && !reconsidered) return submitVideo(deps, submission, true);
    throw error;
  }
}

async function submitAs(deps: AppDeps, user: UserRecord & { created: boolean }, job: JobRef, submission: Submission, reconsidered: boolean, reach: Reach): Promise<SubmissionOutcome> {
  const { sql, config } = deps;
  // A user this request created has no job yet; another request's job for it (a race for a new
  // number) is found below when the start finds the workflow ID taken.
  const active = user.created ? undefined : await findActiveJob(sql, user.id);
  if (active) return continueActiveJob(deps, user.id, active, submission, reconsidered, reach);

  const jobId = job.id;
  // Stored while the transaction below takes the lock and reserves the code; awaited before the start.
  const selfie = writeSelfie(deps, jobId, submission.photo.jpeg);
  const selfieKey = selfie.key;
  const trackingToken = generateTrackingToken();
  const workflowId = closeupWorkflowId(user.id);
  const draft = {
    job,
    userId: user.id,
    needsOtp: !user.verified,
    otpExpiryMs: config.OTP_EXPIRY_MINUTES * 60_000,
    selfieKey,
    answers: submission.answers,
    trackingTokenHash: hashTrackingToken(trackingToken).toString('hex'),
    tuning: { heartbeatTimeoutMs: config.ACTIVITY_HEARTBEAT_TIMEOUT_SECONDS * 1000 },
  };

  // Under the user's lock, so simultaneous submissions of one number take turns: the first code is
  // reserved (hourly cap) and the workflow started; a request that loses gives its code back.
  const started = await sql
    .begin(async (tx): Promise<StartAttempt> => {
      let otpId: number | null = null;
      if (draft.needsOtp) {
        const reservation = await lockUserAndReserveOtp(tx, config, { userId: user.id, jobId, enforceCooldown: false });
        if (!('otpId' in reservation)) return { outcome: { status: 'otp_limited', retryAfterSeconds: reservation.retryAfterSeconds } };
        otpId = reservation.otpId;
      } else await lockUser(tx, user.id);
      await selfie.written;
      const attempt = await startWorkflow(deps, tx, workflowId, { ...draft, otpId }, reach);
      if (!('runId' in attempt)) {
        if (otpId !== null) await tx`delete from user_otp where id = ${otpId}`;
        return attempt;
      }
      // Written before the lock is released, so a request queued behind this one finds the job.
      // The workflow writes the same row in its first activity; whichever comes first wins.
      await createCloseupJob(deps.store, tx, {
        job,
        userId: user.id,
        needsOtp: draft.needsOtp,
        selfieKey,
        answers: draft.answers,
        trackingTokenHash: hashTrackingToken(trackingToken),
        originRunId: attempt.runId,
      });
      return attempt;
    })
    .catch(async (error: unknown) => {
      if (reach.workflow === 'none') await selfie.discard();
      throw error;
    });
  // No job was started with this selfie.
  if (!('runId' in started)) await selfie.discard();
  if ('outcome' in started) return started.outcome;
  if ('owner' in started) return continueActiveJob(deps, user.id, started.owner, submission, reconsidered, reach);
  return draft.needsOtp ? { status: 'otp_sent', jobId, trackingToken } : { status: 'video_created', jobId, trackingToken };
}

/** How a submission's workflow starts: one per user at a time, findable by job id in the Web UI. */
export function closeupStartOptions(input: CloseupInput, taskQueue: string) {
  return {
    taskQueue,
    workflowId: closeupWorkflowId(input.userId),
    workflowIdConflictPolicy: 'FAIL',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    args: [input] as [CloseupInput],
    typedSearchAttributes: jobSearchAttributes({
      pipeline: PIPELINE,
      job: input.job,
      status: input.needsOtp ? 'awaiting_otp' : 'queued',
      stage: input.needsOtp ? 'otp' : 'queued',
    }),
  } satisfies WorkflowStartOptions<typeof closeupSubmissionWorkflow>;
}

type StartAttempt = { runId: string } | { owner: ActiveJob } | { outcome: SubmissionOutcome };

/**
 * Starts the user's workflow, or says who holds the workflow ID. A run whose job has just ended
 * (failed, uploaded) closes within moments: wait for it rather than answer `pending` for a job that is over.
 */
async function startWorkflow(deps: AppDeps, tx: Tx, workflowId: string, input: CloseupInput, reach: Reach): Promise<StartAttempt> {
  for (const giveUpAt = Date.now() + FINISHING_RUN_WAIT_MS; ; ) {
    try {
      const handle = await reachTemporal(deps, reach, () => deps.temporal.workflow.start(closeupSubmissionWorkflow, closeupStartOptions(input, deps.config.TEMPORAL_TASK_QUEUE)));
      return { runId: handle.firstExecutionRunId };
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      // On the transaction's connection: the pool may be all taken by requests queued on the lock.
      const owner = await ownerOfRunningWorkflow(deps, tx, input.userId, workflowId);
      if (owner !== 'finishing') return { owner };
      if (Date.now() > giveUpAt) return { outcome: { status: 'busy', retryAfterSeconds: 2 } };
      await sleep(100);
    }
  }
}

/**
 * The job that owns the running workflow, or `finishing` when that job has already ended (failed,
 * uploaded, expired) and only its run is still closing. Its row may not be written yet when the
 * winning request is a few milliseconds ahead: the job id is also a search attribute set at start.
 */
async function ownerOfRunningWorkflow(deps: AppDeps, sql: Queryable, userId: string, workflowId: string): Promise<ActiveJob | 'finishing'> {
  const active = await findActiveJob(sql, userId);
  if (active) return active;
  const description = await deps.temporal.workflow
    .getHandle(workflowId)
    .describe()
    .catch((error: unknown) => {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    });
  if (!description || description.status.name !== 'RUNNING') return 'finishing';
  const jobId = description.typedSearchAttributes.get(searchAttributes.jobId);
  if (jobId === undefined) throw new Error(`running workflow ${workflowId} carries no job id`);
  const [row] = await sql<{ status: JobStatus; holds_slot: boolean }[]>`select status, holds_slot from jobs where id = ${jobId}`;
  if (row && !row.holds_slot) return 'finishing';
  const status = row?.status ?? (description.typedSearchAttributes.get(searchAttributes.status) === 'awaiting_otp' ? 'awaiting_otp' : 'queued');
  return { id: jobId, status, workflowId, runId: description.runId };
}

/**
 * Another submission while a job holds the slot: `pending`, or a re-submission while the OTP is
 * pending. The workflow is signalled inside the transaction that updates the job, so a signal that
 * fails (Temporal unreachable) leaves the job as it was: its form, its code and its tracking token.
 */
async function continueActiveJob(
  deps: AppDeps,
  userId: string,
  active: ActiveJob,
  submission: Submission,
  reconsidered: boolean,
  reach: Reach,
): Promise<SubmissionOutcome> {
  if (active.status !== 'awaiting_otp') return { status: 'pending', jobId: active.id };

  const selfie = writeSelfie(deps, active.id, submission.photo.jpeg);
  const selfieKey = selfie.key;
  const trackingToken = generateTrackingToken();
  const outcome = await deps.sql
    .begin(async (tx) => {
      await lockUser(tx, userId);
      const [job] = await tx<{ status: string }[]>`select status from jobs where id = ${active.id} for no key update`;
      if (job?.status !== 'awaiting_otp') return 'moved_on' as const;
      await tx`
        update closeup_jobs set tracking_token_hash = ${hashTrackingToken(trackingToken)},
               gender = ${submission.answers.gender}, attribute_love = ${submission.answers.attribute_love},
               relationship_status = ${submission.answers.relationship_status}, vibe = ${submission.answers.vibe}
        where job_id = ${active.id}`;
      await deps.store.recordUpdate(tx, active.id, { detail: { resubmitted: true }, assets: [{ kind: 'selfie', key: selfieKey }] });
      const reservation = await reserveOtp(tx, deps.config, { userId, jobId: active.id, enforceCooldown: true });
      const otpId = 'otpId' in reservation ? reservation.otpId : null;
      await selfie.written;
      await reachTemporal(deps, reach, () => deps.temporal.workflow.getHandle(active.workflowId).signal(resubmittedSignal, { selfieKey, answers: submission.answers, otpId }));
      return reservation;
    })
    .catch(async (error: unknown) => {
      if (reach.workflow === 'none') await selfie.discard();
      // The run ended meanwhile: nothing was changed.
      if (error instanceof WorkflowNotFoundError) return 'gone' as const;
      throw error;
    });
  if (outcome === 'gone') return { status: 'pending', jobId: active.id };
  if (outcome === 'moved_on') {
    await selfie.discard();
    // The job moved on between our read and the update: verified (now processing → pending) or
    // expired (→ a new job). Decide again, once, from the new state.
    return reconsidered ? { status: 'pending', jobId: active.id } : submitVideo(deps, submission, true);
  }
  return 'otpId' in outcome
    ? { status: 'otp_sent', jobId: active.id, trackingToken }
    : { status: 'otp_sent', jobId: active.id, trackingToken, retryAfterSeconds: outcome.retryAfterSeconds };
}

/**
 * Removes a user this request created when its submission failed before any workflow, so an
 * outage leaves no user behind. Kept when something refers to it (a request for the same number
 * that got further: a code, a job), which the delete's foreign-key violation says.
 */
async function forgetNewUser(deps: AppDeps, userId: string): Promise<void> {
  await deps.sql
    .begin(async (tx) => {
      // After any request that holds the user's lock.
      await tx`select id from users where id = ${userId} for update`;
      await tx`delete from user_verification where user_id = ${userId}`;
      await tx`delete from users where id = ${userId}`;
    })
    .catch((error: unknown) => {
      if (!(error instanceof postgres.PostgresError && error.code === FOREIGN_KEY_VIOLATION)) deps.logger.warn({ err: error, userId }, 'could not remove the user of a failed submission');
    });
}

const FOREIGN_KEY_VIOLATION = '23503';

/** A row of this request referred to a user that forgetNewUser removed meanwhile. */
function isMissingUser(error: unknown): boolean {
  return error instanceof postgres.PostgresError && error.code === FOREIGN_KEY_VIOLATION && /not present in table "users"/.test(error.detail ?? '');
}
