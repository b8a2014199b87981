import type { RouteHandler } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { nationalNumber } from '../../lib/phone.js';
import { ApiError } from '../lib/errors.js';
import { acceptPhoto } from '../lib/photo-upload.js';
import type { AppEnv } from '../lib/types.js';
import { TERMINAL_STATUSES } from '../../workflows/closeup/contract.js';
import { eventsSince } from '../../db/jobs/queries.js';
import { loadJobView, type JobView } from '../closeup/job-view.js';
import { submitVideo } from '../closeup/submission.js';
import type * as routes from './video.routes.js';

const MESSAGES = {
  otp_sent: 'OTP sent successfully',
  pending: "You already have a video being processed. Please wait until it's complete.",
  video_created: 'Video job created successfully',
} as const;

/** Keeps proxies from closing an idle event stream. */
const KEEPALIVE_MS = 15_000;

export const submit: RouteHandler<typeof routes.submit, AppEnv> = async (c) => {
  const form = c.req.valid('form');
  const photo = await acceptPhoto(form.photo);
  const outcome = await submitVideo(c.var.deps, {
    e164: form.mobile_number,
    answers: { gender: form.gender, attribute_love: form.attribute_love, relationship_status: form.relationship_status, vibe: form.vibe },
    photo,
  });
  if (outcome.status === 'otp_limited') {
    const extra = { retry_after_seconds: outcome.retryAfterSeconds };
    throw new ApiError(429, 'TooManyRequests', `Too many OTPs for this number. Please try again in ${Math.ceil(outcome.retryAfterSeconds / 60)} minutes.`, extra, extra);
  }
  if (outcome.status === 'busy') {
    c.header('Retry-After', String(outcome.retryAfterSeconds));
    throw new ApiError(503, 'ServiceUnavailable', 'Your previous video is just finishing. Please submit again in a few seconds.', undefined, { retry_after_seconds: outcome.retryAfterSeconds });
  }
  c.var.logger.info({ jobId: outcome.jobId, outcome: outcome.status }, 'submission');
  return c.json(
    {
      status: outcome.status,
      message: outcome.status === 'otp_sent' && 'retryAfterSeconds' in outcome && outcome.retryAfterSeconds !== undefined
        ? 'Your details were updated. Use the OTP we already sent.'
        : MESSAGES[outcome.status],
      job_id: outcome.jobId,
      mobile_number: nationalNumber(form.mobile_number),
      ...('trackingToken' in outcome ? { tracking_token: outcome.trackingToken } : {}),
      ...('retryAfterSeconds' in outcome && outcome.retryAfterSeconds !== undefined ? { retry_after_seconds: outcome.retryAfterSeconds } : {}),
    },
    200,
  );
};

export const getJob: RouteHandler<typeof routes.getJob, AppEnv> = async (c) => {
  const { job_id: jobId } = c.req.valid('param');
  const token = c.req.valid('query').tracking_token ?? c.req.valid('header')['x-tracking-token'];
  return c.json(await loadJobView(c.var.deps, jobId, token), 200);
};

/**
 * What counts as a change of the view: not updated_at (a stage entry or progress step moves it)
 * nor the signatures of the media links (they are minted per read).
 */
const changeKey = (view: JobView) =>
  JSON.stringify({ ...view, updated_at: null, video_url: view.video_url !== null, thumbnail_url: view.thumbnail_url !== null });

export const jobEvents: RouteHandler<typeof routes.jobEvents, AppEnv> = async (c) => {
  const { deps } = c.var;
  const { job_id: jobId } = c.req.valid('param');
  const token = c.req.valid('query').tracking_token ?? c.req.valid('header')['x-tracking-token'];
  // Authorise before the stream opens, so a bad token is a plain 401/404.
  await loadJobView(deps, jobId, token);

  return streamSSE(c, async (stream) => {
    let changed = true;
    let closed = false;
    let wake: (() => void) | undefined;
    // Subscribed before the first read below: no change between that read and now is missed.
    const unsubscribe = deps.hub.subscribe(jobId, () => {
      changed = true;
      wake?.();
    });
    stream.onAbort(() => {
      closed = true;
      wake?.();
    });
    const release = deps.metrics.openStream('sse');
    try {
      let sent = '';
      let seq = 0;
      while (!closed) {
        if (changed) {
          changed = false;
          // Read before the view, so the view includes them. Progress steps alone are not sent:
          // the view shows no progress, only their updated_at would change.
          const events = await eventsSince(deps.sql, jobId, seq);
          seq = events.at(-1)?.seq ?? seq;
          if (sent && !events.some((event) => event.kind === 'status')) continue;
          const view = await loadJobView(deps, jobId, token);
          const key = changeKey(view);
          if (key !== sent) {
            await stream.writeSSE({ event: 'job', data: JSON.stringify(view), id: String(seq) });
            sent = key;
          }
          if ((TERMINAL_STATUSES as readonly string[]).includes(view.status)) break;
          continue;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, KEEPALIVE_MS);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
        if (!changed && !closed) await stream.write(': keepalive\n\n');
      }
    } finally {
      release();
      unsubscribe();
    }
  });
};
