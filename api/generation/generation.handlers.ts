import type { RouteHandler } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { activeGenerationJobs, findGenerationJob } from '../../db/generation/jobs.js';
import { FAILED } from '../../workflows/engine/contract.js';
import { ACTIVE_STATUSES, DURATIONS, TERMINAL_STATUSES, type GenerationSpec, type JobStatus } from '../../workflows/generation/contract.js';
import { events as engineEvents } from '../jobs/stream.handlers.js';
import { jobEventStream } from '../jobs/job-stream.js';
import { ApiError } from '../lib/errors.js';
import type { AppEnv } from '../lib/types.js';
import { cancelGeneration } from './cancel.js';
import type * as routes from './generation.routes.js';
import { estimatedSeconds, isEnded, ownJob, resultBody, statusBody } from './job-view.js';
import type { AnimateBody, GenerateBody } from './schemas.js';
import { acceptGeneration } from './submission.js';
import { UUID_PATTERN } from '../lib/fields.js';

/** `Prefer: wait=N` (RFC 7240), N capped at 60 s; undefined when absent or unreadable. */
function preferredWait(header: string | undefined): number | undefined {
  const match = header && /(?:^|[;,\s])wait\s*=\s*"?(\d{1,6})"?/i.exec(header);
  return match ? Math.min(60, Number(match[1])) : undefined;
}

function specOf(body: GenerateBody | AnimateBody, image: string | null): GenerationSpec {
  return {
    type: image ? 'image_to_video' : 'text_to_video',
    prompt: body.prompt,
    durationSeconds: DURATIONS[body.duration],
    resolution: body.resolution,
    aspectRatio: body.aspect_ratio,
    cameraFixed: body.camera_fixed,
    referencePerson: 'reference_person' in body && body.reference_person ? body.reference_person : null,
    sourceImageUrl: image,
  };
}

/** Holds the request until the job ends or `seconds` pass (the client leaving ends it too). */
async function waitForEnd(c: Context<AppEnv>, jobId: number, seconds: number): Promise<void> {
  const signal = AbortSignal.any([AbortSignal.timeout(seconds * 1000), c.req.raw.signal]);
  const terminalStatuses = [...TERMINAL_STATUSES, FAILED];
  for await (const item of jobEventStream(c.var.deps, jobId, { since: 0, terminalStatuses, signal })) void item;
}

async function accept(c: Context<AppEnv>, body: GenerateBody | AnimateBody, image: string | null, headers: { 'idempotency-key'?: string | undefined; prefer?: string | undefined }) {
  const { deps, user } = c.var;
  if (body.user_id !== undefined && body.user_id.toLowerCase() !== user.id.toLowerCase()) {
    throw new ApiError(403, 'Forbidden', 'user_id must be the signed-in user (or left out).');
  }
  const spec = specOf(body, image);
  const webhook = body.webhook_url ? { url: body.webhook_url, events: [...new Set(body.webhook_events_filter)] } : null;
  const { jobKey, replayed } = await acceptGeneration(deps, user, { spec, webhook, idempotencyKey: headers['idempotency-key'] });
  const job = (await findGenerationJob(deps.sql, jobKey))!;

  const wait = preferredWait(headers.prefer);
  let now = job;
  if (wait !== undefined) {
    c.header('Preference-Applied', `wait=${wait}`);
    if (!isEnded(job.status)) await waitForEnd(c, job.id, wait);
    now = (await findGenerationJob(deps.sql, jobKey))!;
    // Ended in time: the result, completed or not (the seed's result shapes).
    if (isEnded(now.status)) return c.json(await resultBody(deps, now), 200);
  }
  return c.json(
    {
      success: true as const,
      job_id: job.key,
      // The seed's `queued` for a new job; where it stands now for a replayed Idempotency-Key.
      status: replayed ? (now.status as JobStatus) : ('queued' as const),
      estimated_completion_seconds: await estimatedSeconds(deps, job.spec),
      message: image ? 'Video animation started. Use the job_id to check status.' : 'Video generation started. Use the job_id to check status.',
    },
    202,
  );
}

export const generate: RouteHandler<typeof routes.generate, AppEnv> = (c) => accept(c, c.req.valid('json'), null, c.req.valid('header'));

export const animate: RouteHandler<typeof routes.animate, AppEnv> = (c) => {
  const body = c.req.valid('json');
  return accept(c, body, body.image_url, c.req.valid('header'));
};

export const status: RouteHandler<typeof routes.status, AppEnv> = async (c) => {
  const job = await ownJob(c.var.deps, c.var.user, c.req.valid('param').job_id);
  return c.json(await statusBody(c.var.deps, job), 200);
};

export const result: RouteHandler<typeof routes.result, AppEnv> = async (c) => {
  const job = await ownJob(c.var.deps, c.var.user, c.req.valid('param').job_id);
  return c.json(await resultBody(c.var.deps, job), 200);
};

export const cancel: RouteHandler<typeof routes.cancel, AppEnv> = async (c) => {
  const job = await ownJob(c.var.deps, c.var.user, c.req.valid('param').job_id);
  const cancelled = await cancelGeneration(c.var.deps, job);
  return c.json({ success: true as const, job_id: cancelled.key, status: 'cancelled' as const, message: 'Video generation job cancelled successfully' }, 200);
};

export const active: RouteHandler<typeof routes.active, AppEnv> = async (c) => {
  const { deps, user } = c.var;
  const jobs = await activeGenerationJobs(deps.sql, user.id, ACTIVE_STATUSES);
  const active_jobs = await Promise.all(
    jobs.map(async (job) => ({
      job_id: job.key,
      status: job.status,
      generation_type: job.spec.type,
      created_at: job.createdAt.toISOString(),
      estimated_completion_seconds: await estimatedSeconds(deps, job.spec),
    })),
  );
  return c.json({ success: true as const, active_jobs, count: active_jobs.length }, 200);
};

/** The engine's SSE stream, for the caller's own job (403 for another user's, as the other endpoints). */
export const events: RouteHandler<typeof routes.events, AppEnv> = async (c, next) => {
  const { job } = c.req.valid('param');
  if (!UUID_PATTERN.test(job)) {
    throw new ApiError(400, 'ValidationError', 'job_id: must be a UUID', [{ field: 'job_id', message: 'must be a UUID' }]);
  }
  await ownJob(c.var.deps, c.var.user, job);
  return engineEvents(c as unknown as Parameters<typeof engineEvents>[0], next);
};
