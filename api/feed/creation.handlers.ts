import type { RouteHandler } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { touchProfile } from '../../db/feed/profiles.js';
import { findFeedVideo, type FeedVideoRow } from '../../db/feed/videos.js';
import { ApiError } from '../lib/errors.js';
import type { AppEnv } from '../lib/types.js';
import { AdmissionRefused } from './admission.js';
import { acceptCreation, type AcceptedCreation, type CreationRequest } from './creation.js';
import type * as routes from './creation.routes.js';
import { syncFeedVideo } from './creation.sync.js';
import { feedVideoView } from './video-view.js';

const notFound = () => new ApiError(404, 'NotFound', 'Video not found');

async function videoOr404(c: Context<AppEnv>, id: string): Promise<FeedVideoRow> {
  const row = await findFeedVideo(c.var.deps.sql, id);
  if (!row) throw notFound();
  return row;
}

/** Accepts the creation and answers 201 with the new video; the RateLimit fields go on every answer, a refusal's too. */
async function create(c: Context<AppEnv>, request: CreationRequest) {
  const { deps, user } = c.var;
  let accepted: AcceptedCreation;
  try {
    accepted = await acceptCreation(deps, user, request);
  } catch (error) {
    if (error instanceof AdmissionRefused) for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
    throw error;
  }
  for (const [name, value] of Object.entries(accepted.rateLimit)) c.header(name, value);
  await touchProfile(deps.sql, user.id);
  const row = await findFeedVideo(deps.sql, accepted.videoId);
  if (!row) throw new Error(`feed video ${accepted.videoId} was accepted but cannot be read`);
  return feedVideoView(deps, row);
}

export const createVideo: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  const { prompt } = c.req.valid('json');
  return c.json(await create(c, { prompt, sourceVideoId: null }), 201);
};

export const recreateVideo: RouteHandler<typeof routes.recreate, AppEnv> = async (c) => {
  const source = await videoOr404(c, c.req.valid('param').id);
  // As GET /videos/{id}: an unfinished video is its owner's alone, its prompt too.
  if (source.status !== 'completed' && source.userId !== c.var.user.id) throw notFound();
  return c.json(await create(c, { prompt: source.prompt, sourceVideoId: source.id }), 201);
};

export const syncStatus: RouteHandler<typeof routes.syncStatus, AppEnv> = async (c) => {
  const { deps, user } = c.var;
  const row = await videoOr404(c, c.req.valid('param').id);
  if (row.userId !== user.id) throw new ApiError(403, 'Forbidden', 'Only the video’s creator can sync its status.');
  const synced = await syncFeedVideo(deps, row);
  return c.json({ ...(await feedVideoView(deps, synced.row)), failureReason: synced.row.failureReason, job: synced.job }, 200);
};
