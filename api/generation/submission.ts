import { createHash } from 'node:crypto';
import { debitForJob, ensureAccount, InsufficientCreditsError } from '../../db/credits/ledger.js';
import { createGenerationJob, jobByIdempotencyKey, releaseIdempotencyKey } from '../../db/generation/jobs.js';
import type { SignedInUser } from '../../lib/auth/supabase-token.js';
import { checkRemoteUrl } from '../../lib/net/remote-url.js';
import { generationWorkflow } from '../../workflows/generation/generation.js';
import { PIPELINE, generationWorkflowId, type GenerationInput, type GenerationSpec, type WebhookEvent } from '../../workflows/generation/contract.js';
import { ApiError } from '../lib/errors.js';
import { jobStartOptions, startJobWorkflow } from '../lib/start-job.js';
import type { AppDeps } from '../lib/types.js';

export interface GenerationRequest {
  spec: GenerationSpec;
  webhook: { url: string; events: WebhookEvent[] } | null;
  /** The Idempotency-Key header, if sent. */
  idempotencyKey: string | undefined;
}

/** What acceptance gives the handler: the job's key, and whether it was made by an earlier request with the same Idempotency-Key. */
export interface Accepted {
  jobKey: string;
  replayed: boolean;
}

/** The DUST a kind costs (DUST_TEXT_TO_VIDEO_COST, DUST_IMAGE_TO_VIDEO_COST). */
export const priceOf = (deps: AppDeps, spec: GenerationSpec) =>
  spec.type === 'text_to_video' ? deps.config.DUST_TEXT_TO_VIDEO_COST : deps.config.DUST_IMAGE_TO_VIDEO_COST;

/** Refuses a user-given URL the worker could not fetch safely (private address, no such host): 400 naming the field. */
async function assertFetchable(deps: AppDeps, field: string, url: string): Promise<void> {
  const checked = await checkRemoteUrl(url, { allowHosts: deps.config.REMOTE_FETCH_ALLOW_HOSTS, label: field });
  if (!checked.ok) throw new ApiError(400, 'ValidationError', checked.reason, [{ field, message: checked.reason }]);
}

/** The advisory lock a request holds on its Idempotency-Key until its transaction ends. */
export const idempotencyLock = (accountId: string, key: string) => `generation-idempotency:${accountId}:${key}`;

/** The request's identity for Idempotency-Key: the same key must come with the same request. */
function digestOf(request: GenerationRequest): string {
  return createHash('sha256').update(JSON.stringify({ spec: request.spec, webhook: request.webhook })).digest('hex');
}

/**
 * Accepts a generation request: in one transaction the account is made on first sight (with its
 * starting DUST), the price is debited, the workflow is started and the job is written — so a
 * refused debit (402) leaves no job, and a job always has its debit. The workflow's first activity
 * waits for this transaction (startJobWorkflow) and does nothing if it rolled back.
 *
 * Idempotency-Key: the same key and body give the earlier job (no second debit); another body →
 * 422; the key still held by a request in flight → 409; a failed or cancelled job frees its key.
 */
export async function acceptGeneration(deps: AppDeps, user: SignedInUser, request: GenerationRequest): Promise<Accepted> {
  const { spec } = request;
  if (spec.sourceImageUrl) await assertFetchable(deps, 'image_url', spec.sourceImageUrl);
  if (request.webhook) await assertFetchable(deps, 'webhook_url', request.webhook.url);
  const digest = digestOf(request);
  const cost = priceOf(deps, spec);
  const job = await deps.store.reserve();
  const workflowId = generationWorkflowId(job.key);
  const input: GenerationInput = {
    job,
    accountId: user.id,
    spec,
    webhook: request.webhook,
    tuning: { heartbeatTimeoutMs: deps.config.ACTIVITY_HEARTBEAT_TIMEOUT_SECONDS * 1000 },
  };

  return deps.sql.begin(async (tx): Promise<Accepted> => {
    const key = request.idempotencyKey;
    if (key !== undefined) {
      const [held] = await tx<{ held: boolean }[]>`select pg_try_advisory_xact_lock(hashtextextended(${idempotencyLock(user.id, key)}, 0)) as held`;
      if (!held?.held) throw new ApiError(409, 'Conflict', 'A request with this Idempotency-Key is still in progress; retry it in a moment.');
    }
    await ensureAccount(tx, { id: user.id, email: user.email }, deps.config.DUST_STARTING_BALANCE);
    if (key !== undefined) {
      const earlier = await jobByIdempotencyKey(tx, user.id, key);
      // A job that failed or was cancelled gives its key up, for this request or another.
      if (earlier && (earlier.status === 'failed' || earlier.status === 'cancelled')) await releaseIdempotencyKey(tx, earlier.jobId);
      else if (earlier && earlier.requestDigest !== digest) {
        throw new ApiError(422, 'IdempotencyKeyReused', 'This Idempotency-Key was used with a different request; use a new key for a new request.');
      } else if (earlier) return { jobKey: earlier.jobKey, replayed: true };
    }
    try {
      await debitForJob(tx, user.id, job.id, cost, `${spec.type} job ${job.key}`);
    } catch (error) {
      if (error instanceof InsufficientCreditsError) {
        throw new ApiError(402, 'InsufficientCredits', error.message, undefined, { balance: error.balance, required: error.required, currency: 'DUST' });
      }
      throw error;
    }
    // Under the account's lock until Temporal answers (bounded).
    const handle = await startJobWorkflow(deps, tx, job.id, () =>
      deps.temporal.workflow.start(generationWorkflow, jobStartOptions(deps, { pipeline: PIPELINE, workflowId, input, status: 'queued' })),
    );
    await createGenerationJob(deps.store, tx, { input, workflowId, originRunId: handle.firstExecutionRunId, costDust: cost, idempotencyKey: key ?? null, requestDigest: digest });
    return { jobKey: job.key, replayed: false };
  });
}
