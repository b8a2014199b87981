import { createRouter } from '../lib/router.js';
import { creationRouter } from './creation.index.js';
import { feedSession } from './feed-session.js';
import { socialRouter } from './social.index.js';
import { requestSigning } from './request-signing.js';

/**
 * The feed app (../shared/seeds/feed-backend-integration-plan.md), mounted by the app under
 * FEED_BASE_PATH (default /feed): its paths (`/videos/feed`, `/videos/:id`, `/users/:id`, …) would
 * collide with the generation product's at the root.
 */
export const feedRouter = createRouter();
feedRouter.use('*', feedSession);
feedRouter.use('*', requestSigning);
feedRouter.route('/', socialRouter);
feedRouter.route('/', creationRouter);
