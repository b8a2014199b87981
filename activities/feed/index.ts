import { createJobStore } from '../../db/jobs/store.js';
import type { ActivityDeps } from '../deps.js';
import { createGenerationMediaActivities } from '../generation/media.activities.js';
import { createFeedRenderActivities } from './render.activities.js';
import { createFeedVideoActivities } from './video.activities.js';

/**
 * The feed pipeline's activities, wired to the worker's dependencies. Every worker registers them
 * all; only the feed generation worker (worker/create-feed-worker.ts) polls the queue that
 * renderFeedVideo is scheduled on.
 */
export function createFeedActivities({ sql, config, providers }: ActivityDeps) {
  const store = createJobStore(sql);
  const media = createGenerationMediaActivities({
    storage: providers.storage,
    generator: providers.videoGenerator,
    store,
    // Feed prompts are text only: nothing is fetched.
    remoteFetch: { allowHosts: config.REMOTE_FETCH_ALLOW_HOSTS, maxBytes: config.REMOTE_FETCH_MAX_BYTES, timeoutMs: config.REMOTE_FETCH_TIMEOUT_SECONDS * 1000 },
    usdPerPredictionSecond: config.PREDICTION_USD_PER_SECOND,
  });
  return {
    ...createFeedRenderActivities({ sql, store, media }),
    ...createFeedVideoActivities({ sql, store, storage: providers.storage }),
  };
}

export type FeedActivities = ReturnType<typeof createFeedActivities>;
