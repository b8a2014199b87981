import { createJobStore } from '../../db/jobs/store.js';
import type { ActivityDeps } from '../deps.js';
import { createGenerationJobActivities } from './job.activities.js';
import { createGenerationMediaActivities } from './media.activities.js';
import { createWebhookActivities } from './webhook.activities.js';

/** The generation pipeline's activities, wired to the worker's dependencies. */
export function createGenerationActivities({ sql, config, providers }: ActivityDeps) {
  const store = createJobStore(sql);
  const remoteFetch = {
    allowHosts: config.REMOTE_FETCH_ALLOW_HOSTS,
    maxBytes: config.REMOTE_FETCH_MAX_BYTES,
    timeoutMs: config.REMOTE_FETCH_TIMEOUT_SECONDS * 1000,
  };
  return {
    ...createGenerationJobActivities({ sql, store }),
    ...createGenerationMediaActivities({ storage: providers.storage, generator: providers.videoGenerator, store, remoteFetch, usdPerPredictionSecond: config.PREDICTION_USD_PER_SECOND }),
    ...createWebhookActivities({ sql, storage: providers.storage, secret: config.WEBHOOK_SIGNING_SECRET, allowHosts: remoteFetch.allowHosts, timeoutMs: remoteFetch.timeoutMs }),
  };
}

export type GenerationActivities = ReturnType<typeof createGenerationActivities>;
