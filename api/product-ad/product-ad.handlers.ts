import type { RouteHandler } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { findJob } from '../../db/jobs/queries.js';
import type { JobRow } from '../../db/jobs/types.js';
import { PIPELINE } from '../../workflows/product-ad/contract.js';
import { cancelJob } from '../jobs/job-actions.js';
import { events as engineEvents } from '../jobs/stream.handlers.js';
import { ApiError } from '../lib/errors.js';
import type { AppEnv } from '../lib/types.js';
import { estimatedSeconds } from './estimates.js';
import { jobView } from './job-view.js';
import type * as routes from './product-ad.routes.js';
import { acceptProductAd } from './submission.js';

/** The signed-in user when a valid token was sent; a bad token is refused rather than ignored. */
async function optionalUser(c: Context<AppEnv>): Promise<string | null> {
  const token = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
  if (!token) return null;
  return (await c.var.deps.verifyUser(token).catch(() => {
    throw new ApiError(401, 'Unauthorized', 'The access token was not accepted; send a valid one or none.');
  })).id;
}

/** The seed's 404 body for an unknown job. */
const notFound = (id: string) => new ApiError(404, 'JobNotFound', `Job with ID '${id}' not found`, 'The specified job ID does not exist in the system');

async function productAdJob(c: Context<AppEnv>, key: string): Promise<JobRow> {
  const job = await findJob(c.var.deps.sql, key);
  if (!job || job.pipeline !== PIPELINE) throw notFound(key);
  return job;
}

export const generate: RouteHandler<typeof routes.generate, AppEnv> = async (c) => {
  const form = c.req.valid('form');
  const accountId = await optionalUser(c);
  const key = await acceptProductAd(
    c.var.deps,
    { productName: form.product_name, style: form.style, ctaText: form.cta_text, aspectRatio: form.aspect_ratio, productImage: form.product_image },
    accountId,
  );
  return c.json({ job_id: key, status: 'pending' as const, estimated_completion_time: await estimatedSeconds(c.var.deps), message: 'Video generation job created successfully' }, 202);
};

export const get: RouteHandler<typeof routes.get, AppEnv> = async (c) => {
  const job = await productAdJob(c, c.req.valid('param').job_id);
  return c.json(await jobView(c.var.deps, job), 200);
};

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => {
  const { deps } = c.var;
  const query = c.req.valid('query');
  const owner = await optionalUser(c);
  // Signed in: the user's jobs; anonymous: the jobs made without a token.
  const where = deps.sql`pipeline = ${PIPELINE} and ${owner ? deps.sql`owner = ${owner}` : deps.sql`owner is null`} ${query.status ? deps.sql`and status = ${query.status}` : deps.sql``}`;
  const [keys, [count]] = await Promise.all([
    deps.sql<{ key: string }[]>`select key::text as key from jobs where ${where} order by created_at desc, id desc limit ${query.limit} offset ${query.offset}`,
    deps.sql<{ total: number }[]>`select count(*)::int as total from jobs where ${where}`,
  ]);
  const jobs = await Promise.all(keys.map(async ({ key }) => jobView(deps, (await findJob(deps.sql, key))!)));
  return c.json({ jobs, total: count?.total ?? 0, limit: query.limit, offset: query.offset }, 200);
};

export const cancel: RouteHandler<typeof routes.cancel, AppEnv> = async (c) => {
  const job = await productAdJob(c, c.req.valid('param').job_id);
  await cancelJob(c.var.deps, job, { code: 'CANCELLED', message: 'cancelled by the client' });
  const after = (await findJob(c.var.deps.sql, job.id))!;
  if (after.status !== 'cancelled') throw new ApiError(409, 'Conflict', `Job ${job.key} ${after.status === 'completed' ? 'completed before it could be cancelled' : `is ${after.status}`}.`);
  return c.json(await jobView(c.var.deps, after), 200);
};

export const events: RouteHandler<typeof routes.events, AppEnv> = async (c, next) => {
  await productAdJob(c, c.req.valid('param').job);
  return engineEvents(c as unknown as Parameters<typeof engineEvents>[0], next);
};
