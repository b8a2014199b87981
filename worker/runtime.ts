import { Runtime, type RuntimeOptions } from '@temporalio/worker';
import type { Config } from '../lib/config.js';
import type { Logger } from '../lib/logger.js';
import { sdkLoggerFrom } from './sdk-logger.js';

/** `host:port` as a socket address (an IPv6 host in brackets). */
export function bindAddress(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Installs the Temporal SDK runtime for this worker process (before any connection or worker):
 * the SDK's logs into `logger` and, unless WORKER_METRICS_PORT is 0, its metrics (workflow and
 * activity task latencies, polls, slots, sticky cache, …; Temporal's names, prefixed `temporal_`)
 * served for Prometheus at http://HOST:WORKER_METRICS_PORT/metrics by the SDK's core.
 * A port that cannot be bound costs the metrics, not the worker: logged, and the runtime
 * installed without them. Returns the address the metrics are served on, if any.
 */
export function installWorkerRuntime(config: Config, logger: Logger): string | undefined {
  const options: RuntimeOptions = { logger: sdkLoggerFrom(logger), shutdownSignals: ['SIGINT', 'SIGTERM'] };
  if (config.WORKER_METRICS_PORT === 0) {
    Runtime.install(options);
    return undefined;
  }
  const address = bindAddress(config.HOST, config.WORKER_METRICS_PORT);
  try {
    Runtime.install({ ...options, telemetryOptions: { metrics: { prometheus: { bindAddress: address } } } });
    return address;
  } catch (error) {
    logger.error({ err: error, bindAddress: address }, `worker metrics not served: cannot listen on ${address} (WORKER_METRICS_PORT)`);
    Runtime.install(options);
    return undefined;
  }
}
