import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildWorkflowBundle } from '../../worker/workflow-bundle.js';
import { startMinio } from '../../test/support/minio.js';
import { freePort } from '../../test/support/ports.js';
import { startPostgresCluster } from '../chaos/postgres.js';
import { startChaosProviders, type ChaosProviders, type ProviderRates } from '../chaos/providers.js';
import { startApiProcess, workerPool, type WorkerPool } from '../chaos/services.js';
import { prepareStores, runEnv, tool } from '../chaos/world.js';
import type { BurstStack } from './stacks.js';

/**
 * One stack's world for the burst, all its own on loopback ports under one scratch folder:
 * the stack's Temporal server, PostgreSQL, MinIO, the provider fakes (each answering 429 beyond its
 * rate), the API and the stack's worker processes with each provider queue limited a little below
 * its fake. teardown() stops everything it got to start, in reverse order, and never throws.
 */

export interface BurstWorld {
  apiUrl: string;
  databaseUrl: string;
  temporalAddress: string;
  namespace: string;
  providers: ChaosProviders;
  /** Output of workers that exited on their own during the run (each a finding). */
  workerCrashes(): string[];
  teardown(keepScratch?: boolean): Promise<void>;
}

/**
 * The worker's queue limits for fakes taking `rates` requests/s: `headroom` of each (the fakes
 * meter what their providers meter: Groq requests, texts, WhatsApp messages, prediction creates).
 * A lip-sync holds a predictions slot for about `LIPSYNC_SECONDS` (the client's first poll comes
 * after 2 s), so each worker may run that many seconds' worth of creates at once.
 */
const LIPSYNC_SECONDS = 2;
export function queueLimits(rates: ProviderRates, headroom = 0.9): Record<string, string> {
  const below = (perSecond: number) => String(Math.max(1, Math.floor(perSecond * headroom)));
  return {
    GROQ_MAX_RPS: below(rates.groq),
    SMS_MAX_RPS: below(rates.sms),
    WHATSAPP_MAX_MPS: below(rates.whatsapp),
    PREDICTIONS_MAX_RPS: below(rates.predictions),
    PREDICTIONS_MAX_CONCURRENT: below(rates.predictions * LIPSYNC_SECONDS),
  };
}

/** `holdTeardown` receives the teardown at once, so an interrupt while the world comes up can stop what is up so far. */
export async function startBurstWorld(
  stack: BurstStack,
  options: { rates: ProviderRates; queueShare?: number; say: (line: string) => void; keepScratch?: boolean; holdTeardown?: (teardown: (keepScratch?: boolean) => Promise<void>) => void },
): Promise<BurstWorld> {
  const scratch = await mkdtemp(join(tmpdir(), `reelflow-burst-${stack.name}-`));
  const stops: (() => Promise<unknown>)[] = [];
  const workers: WorkerPool[] = [];
  /** Once, whoever asks first (the run, a failure, Ctrl-C); `keepScratch` leaves the servers' folders and logs for a look. */
  let ending: Promise<void> | undefined;
  const teardown = (keepScratch = options.keepScratch) =>
    (ending ??= (async () => {
      for (const stop of stops.reverse()) await stop().catch((error: Error) => options.say(`teardown: ${error.message.split('\n')[0]}`));
      if (keepScratch) options.say(`${stack.name}: its servers' folders and logs are kept in ${scratch}`);
      else await rm(scratch, { recursive: true, force: true });
    })());
  options.holdTeardown?.(teardown);
  try {
    await mkdir(join(scratch, 'tmp'));
    const [pgPort, apiPort] = [await freePort(), await freePort()];
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    // Each is stopped even when another of them fails to come up.
    const own = <T>(starting: Promise<T>, stop: (value: T) => Promise<unknown>) => starting.then((value) => (stops.push(() => stop(value)), value));
    const starting = [
      own(stack.start(scratch, (line) => options.say(`${stack.name}: ${line}`)), (temporal) => temporal.stop()),
      own(startPostgresCluster(join(scratch, 'pg'), pgPort), (postgres) => postgres.stop('fast')),
      own(startMinio({ bin: tool('MINIO_BIN', 'minio'), dataDir: join(scratch, 'minio') }), (minio) => minio.stop()),
      buildWorkflowBundle(join(scratch, 'workflow-bundle.js')),
    ] as const;
    await Promise.allSettled(starting);
    const [temporal, postgres, minio, bundlePath] = await Promise.all(starting);
    const databaseUrl = postgres.url('reelflow_burst');
    await prepareStores(databaseUrl, temporal.temporalAddress, temporal.namespace);

    // The lip-sync succeeds at its first poll, and its clip is in the stitcher's format: stitching stream-copies.
    const providers = await startChaosProviders({ apiUrl, scratch, rates: options.rates, photoValidator: 'groq', predictionPlan: ['processing', 'succeeded'] });
    stops.push(() => providers.close());
    const limits = queueLimits(options.rates, options.queueShare);
    const env: NodeJS.ProcessEnv = {
      ...runEnv({ apiPort, databaseUrl, temporalAddress: temporal.temporalAddress, namespace: temporal.namespace, taskQueue: 'burst', bundlePath, minio, scratch, providers }),
      ...limits,
    };
    for (let index = 0; index < stack.workers; index++) workers.push(workerPool(env, join(scratch, 'workers.log'), `${stack.name}-${index + 1}.`));
    await Promise.all(workers.map((pool) => pool.start().then(() => stops.push(() => pool.stop()))));
    const api = await startApiProcess({ ...env, LOG_LEVEL: 'warn' }, apiUrl);
    stops.push(() => api.stop());
    options.say(`${stack.name}: Temporal ${temporal.temporalAddress}, PostgreSQL 127.0.0.1:${pgPort}, MinIO ${minio.endpoint}, API ${apiUrl}, ${stack.workers} worker process(es) with ${Object.entries(limits).map(([name, value]) => `${name}=${value}`).join(' ')}; scratch ${scratch}`);
    return {
      apiUrl,
      databaseUrl,
      temporalAddress: temporal.temporalAddress,
      namespace: temporal.namespace,
      providers,
      workerCrashes: () => workers.flatMap((pool) => pool.crashes()),
      teardown,
    };
  } catch (error) {
    await teardown(true);
    throw error;
  }
}
