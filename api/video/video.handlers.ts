import type { RouteHandler } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { nationalNumber } from '../../lib/phone.js';
import { ApiError } from '../lib/errors.js';
import { acceptPhoto } from '../lib/photo-upload.js';
import type { AppEnv } from '../lib/types.js';
import { JOB_EVENTS_CHANNEL, TERMINAL_STATUSES } from '../../workflows/closeup/contract.js';
import { loadJobView } from '../closeup/job-view.js';
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

export const jobEvents: RouteHandler<typeof routes.jobEvents, AppEnv> = async (c) => {
  const { deps } = c.var;
  const { job_id: jobId } = c.req.valid('param');
  const token = c.req.valid('query').tracking_token ?? c.req.valid('header')['x-tracking-token'];
  // Authorise before the stream opens, so a bad token is a plain 401/404.
  await loadJobView(deps, jobId, token);

  return streamSSE(c, async (stream) => {
    let changed = false;
    let closed = false;
    let wake: (() => void) | undefined;
    const listener = await deps.sql.listen(JOB_EVENTS_CHANNEL, (payload) => {
      if (payload === String(jobId)) {
        changed = true;
        wake?.();
      }
    });
    stream.onAbort(() => {
      closed = true;
      wake?.();
    });
    try {
      let sent = '';
      // Re-read after LISTEN is in place, so no change between the first read and now is missed.
      changed = true;
      while (!closed) {
        if (changed) {
          changed = false;
          const view = await loadJobView(deps, jobId, token);
          const data = JSON.stringify(view);
          if (data !== sent) {
            await stream.writeSSE({ event: 'job', data, id: String(view.timeline.length) });
            sent = data;
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
      await listener.unlisten();
    }
  });
};
