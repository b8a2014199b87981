import { z } from '@hono/zod-openapi';
import { hashTrackingToken, constantTimeEquals } from '../../lib/secrets.js';
import { toIst } from '../../lib/time.js';
import { JOB_STATUSES, type JobStatus } from '../../workflows/closeup/contract.js';
import { assetsOf } from '../../db/jobs/queries.js';
import { ApiError } from '../lib/errors.js';
import type { AppDeps } from '../lib/types.js';

export const JobViewSchema = z
  .object({
    job_id: z.number().int(),
    status: z.enum(JOB_STATUSES),
    created_at: z.string().openapi({ example: '2026-01-08T14:30:00+05:30' }),
    updated_at: z.string(),
    retry_count: z.number().int(),
    failed_stage: z.string().nullable(),
    last_error_code: z.string().nullable(),
    video_url: z.string().nullable().openapi({ description: 'Signed, expiring link to the final video once it is uploaded' }),
    thumbnail_url: z.string().nullable(),
    timeline: z.array(
      z.object({
        status: z.string(),
        at: z.string().openapi({ example: '2026-01-08T14:31:02+05:30' }),
        detail: z.record(z.string(), z.unknown()).nullable(),
      }),
    ),
  })
  .openapi('JobView');

export type JobView = z.infer<typeof JobViewSchema>;

/**
 * A job as its submitter may see it. Job ids are sequential, so the tracking token is required;
 * a wrong token and an unknown job answer alike.
 */
export async function loadJobView(deps: AppDeps, jobId: number, trackingToken: string | undefined): Promise<JobView> {
  if (!trackingToken) {
    throw new ApiError(401, 'Unauthorized', 'A tracking_token (query parameter) or X-Tracking-Token header is required.');
  }
  const [job] = await deps.sql<
    { id: number; status: JobStatus; tracking_token_hash: Buffer; created_at: Date; updated_at: Date; retry_count: number; failed_stage: string | null; error_code: string | null }[]
  >`select j.id, j.status, c.tracking_token_hash, j.created_at, j.updated_at, j.retry_count, j.failed_stage, j.error_code
    from jobs j join closeup_jobs c on c.job_id = j.id where j.id = ${jobId}`;
  if (!job || !constantTimeEquals(hashTrackingToken(trackingToken), job.tracking_token_hash)) {
    throw new ApiError(404, 'NotFound', `No job ${jobId} for this tracking token.`);
  }
  // The view (migration 0004) keeps the seed's timeline: each status change and each update with
  // something to say (a re-submission), not bare stage entries or progress steps.
  const [events, assets] = await Promise.all([
    deps.sql<{ status: string; detail: Record<string, unknown> | null; created_at: Date }[]>`
      select status, detail, created_at from video_job_events where job_id = ${jobId} order by id`,
    assetsOf(deps.sql, jobId, ['video', 'thumbnail']),
  ]);
  const signed = async (key: string | undefined) => (key ? deps.storage.signedUrl(key, deps.config.MEDIA_URL_TTL_SECONDS) : null);
  return {
    job_id: job.id,
    status: job.status,
    created_at: toIst(job.created_at),
    updated_at: toIst(job.updated_at),
    retry_count: job.retry_count,
    failed_stage: job.failed_stage,
    last_error_code: job.error_code,
    video_url: await signed(assets.video),
    thumbnail_url: await signed(assets.thumbnail),
    timeline: events.map((event) => ({ status: event.status, at: toIst(event.created_at), detail: event.detail })),
  };
}
