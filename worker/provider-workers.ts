import { NativeConnection, Worker } from '@temporalio/worker';
import type { Activities } from '../activities/index.js';
import type { Config } from '../lib/config.js';
import { SHARED_WORKER_OPTIONS } from './worker-options.js';
import { PROVIDER_QUEUE_ACTIVITIES, providerTaskQueue, type ProviderQueue } from '../workflows/engine/provider-queues.js';

export type ProviderLimitsConfig = Pick<
  Config,
  | 'GROQ_MAX_RPS'
  | 'WHATSAPP_MAX_MPS'
  | 'SMS_MAX_RPS'
  | 'PREDICTIONS_MAX_RPS'
  | 'PREDICTIONS_MAX_CONCURRENT'
  | 'PHOTO_VALIDATOR'
  | 'LLM_PROVIDER'
  | 'TTS_PROVIDER'
  | 'WHATSAPP_PROVIDER'
  | 'SMS_PROVIDER'
  | 'LIPSYNC_PROVIDER'
  | 'GENERATION_PROVIDER'
>;

/** Whether a queue's activities reach the provider itself: local adapters (npm start's default) have no rate to keep. */
const CALLS_PROVIDER: Record<ProviderQueue, (config: ProviderLimitsConfig) => boolean> = {
  groq: (config) => [config.PHOTO_VALIDATOR, config.LLM_PROVIDER, config.TTS_PROVIDER].includes('groq'),
  whatsapp: (config) => config.WHATSAPP_PROVIDER === 'cloud',
  sms: (config) => config.SMS_PROVIDER !== 'console',
  predictions: (config) => config.LIPSYNC_PROVIDER === 'http' || config.GENERATION_PROVIDER === 'http',
};

/** What a provider queue's worker is held to: Temporal's options of the same names. */
export interface ProviderQueueLimits {
  /** Activities per second the Temporal server dispatches from the queue, across all its workers. */
  maxTaskQueueActivitiesPerSecond?: number;
  /** Activities this worker process runs at once. */
  maxConcurrentActivityTaskExecutions?: number;
}

/**
 * Each provider queue's limits from config: GROQ_MAX_RPS, WHATSAPP_MAX_MPS, SMS_MAX_RPS and
 * PREDICTIONS_MAX_RPS when the queue calls its provider (0: no limit), and PREDICTIONS_MAX_CONCURRENT
 * always (local renders are ffmpeg processes: bounding them is no loss).
 */
export function providerQueueLimits(config: ProviderLimitsConfig): Record<ProviderQueue, ProviderQueueLimits> {
  const perSecond = (provider: ProviderQueue, rate: number): ProviderQueueLimits =>
    rate > 0 && CALLS_PROVIDER[provider](config) ? { maxTaskQueueActivitiesPerSecond: rate } : {};
  return {
    groq: perSecond('groq', config.GROQ_MAX_RPS),
    whatsapp: perSecond('whatsapp', config.WHATSAPP_MAX_MPS),
    sms: perSecond('sms', config.SMS_MAX_RPS),
    predictions: { ...perSecond('predictions', config.PREDICTIONS_MAX_RPS), maxConcurrentActivityTaskExecutions: config.PREDICTIONS_MAX_CONCURRENT },
  };
}

/** The activities of `activities` that run on `provider`'s queue (none when the worker was built without that pipeline). */
export function providerActivities(activities: Activities, provider: ProviderQueue): Activities {
  return Object.fromEntries(PROVIDER_QUEUE_ACTIVITIES[provider].flatMap((name) => (activities[name] ? [[name, activities[name]]] : [])));
}


/**
 * The worker of one provider's queue (`<baseTaskQueue>-<provider>`): only that provider's
 * activities, no workflows, with the provider's limits. Undefined when `activities` has none of
 * them. The main worker registers them as well, so activities scheduled on the main queue before
 * the provider queues existed still find a worker.
 */
export async function createProviderWorker(options: {
  config: Pick<Config, 'TEMPORAL_NAMESPACE'> & ProviderLimitsConfig;
  connection: NativeConnection;
  activities: Activities;
  provider: ProviderQueue;
  baseTaskQueue: string;
  identity?: string;
}): Promise<Worker | undefined> {
  const activities = providerActivities(options.activities, options.provider);
  if (Object.keys(activities).length === 0) return undefined;
  return Worker.create({
    connection: options.connection,
    namespace: options.config.TEMPORAL_NAMESPACE,
    taskQueue: providerTaskQueue(options.baseTaskQueue, options.provider),
    activities,
    ...(options.identity ? { identity: options.identity } : {}),
    ...providerQueueLimits(options.config)[options.provider],
    ...SHARED_WORKER_OPTIONS,
  });
}
