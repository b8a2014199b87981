import { NativeConnection, Worker } from '@temporalio/worker';
import type { Activities } from '../activities/index.js';
import type { Config } from '../lib/config.js';
import { PROVIDER_QUEUE_ACTIVITIES, providerTaskQueue, type ProviderQueue } from '../workflows/engine/provider-queues.js';

export type ProviderLimitsConfig = Pick<Config, 'GROQ_MAX_RPS' | 'WHATSAPP_MAX_MPS' | 'SMS_MAX_RPS' | 'PREDICTIONS_MAX_RPS' | 'PREDICTIONS_MAX_CONCURRENT'>;

/** What a provider queue's worker is held to: Temporal's options of the same names. */
export interface ProviderQueueLimits {
  /** Activities per second the Temporal server dispatches from the queue, across all its workers. */
  maxTaskQueueActivitiesPerSecond?: number;
  /** Activities this worker process runs at once. */
  maxConcurrentActivityTaskExecutions?: number;
}

/** A rate of 0 means no limit: the option is left out. */
const perSecond = (rate: number): ProviderQueueLimits => (rate > 0 ? { maxTaskQueueActivitiesPerSecond: rate } : {});

/** Each provider queue's limits from config (GROQ_MAX_RPS, WHATSAPP_MAX_MPS, SMS_MAX_RPS, PREDICTIONS_MAX_RPS / _CONCURRENT). */
export function providerQueueLimits(config: ProviderLimitsConfig): Record<ProviderQueue, ProviderQueueLimits> {
  return {
    groq: perSecond(config.GROQ_MAX_RPS),
    whatsapp: perSecond(config.WHATSAPP_MAX_MPS),
    sms: perSecond(config.SMS_MAX_RPS),
    predictions: { ...perSecond(config.PREDICTIONS_MAX_RPS), maxConcurrentActivityTaskExecutions: config.PREDICTIONS_MAX_CONCURRENT },
  };
}

/** The activities of `activities` that run on `provider`'s queue (none when the worker was built without that pipeline). */
export function providerActivities(activities: Activities, provider: ProviderQueue): Activities {
  return Object.fromEntries(PROVIDER_QUEUE_ACTIVITIES[provider].flatMap((name) => (activities[name] ? [[name, activities[name]]] : [])));
}

/** Options every activity-only worker of the process shares with the main worker. */
export const ACTIVITY_WORKER_OPTIONS = {
  shutdownGraceTime: '10 seconds',
  // Cancellation reaches an activity only with a heartbeat answer: keep that under a few seconds.
  maxHeartbeatThrottleInterval: '5 seconds',
} as const;

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
    ...ACTIVITY_WORKER_OPTIONS,
  });
}
