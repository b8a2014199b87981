import { join } from 'node:path';
import { freePort } from '../../test/support/ports.js';
import { startTemporalServer } from '../chaos/temporal.js';
import { tool } from '../chaos/world.js';

/**
 * The two Temporal deployments the burst runs against, each with the worker processes it runs in
 * its own shape: the dev server (one SQLite file, as `npm start`) with one worker, and the
 * PostgreSQL-backed cluster (scripts/cluster/temporal-cluster.ts, as `npm run start:cluster`)
 * with two.
 */

export interface StartedTemporal {
  /** host:port of the frontend gRPC. */
  temporalAddress: string;
  namespace: string;
  stop(): Promise<void>;
}

export interface BurstStack {
  name: StackName;
  /** Worker processes polling every queue. */
  workers: number;
  /** Starts the server with its state under `scratch`; throws StackUnavailable when it cannot exist here. */
  start(scratch: string, say: (line: string) => void): Promise<StartedTemporal>;
}

export const STACK_NAMES = ['dev', 'cluster'] as const;
export type StackName = (typeof STACK_NAMES)[number];

/** The stack is not built on this machine or in this checkout (not a failure of the run). */
export class StackUnavailable extends Error {}

const dev: BurstStack = {
  name: 'dev',
  workers: 1,
  async start(scratch) {
    const server = await startTemporalServer({ cli: tool('TEMPORAL_CLI', 'temporal'), port: await freePort(), dbFile: join(scratch, 'temporal.db') });
    return { temporalAddress: server.address, namespace: 'default', stop: () => server.stop() };
  },
};

/** What scripts/cluster/temporal-cluster.ts exports, as far as the burst uses it. */
interface ClusterModule {
  startTemporalCluster(options: { dataDir: string; say?: (line: string) => void }): Promise<{ address: string; namespace: string; uiUrl: string; stop(): Promise<void> }>;
}

/** Loaded when asked for, so the dev column runs in a checkout without the cluster. */
async function clusterModule(): Promise<ClusterModule> {
  // A specifier in a variable: the module may not exist in this checkout, and that is a finding, not a type error.
  const specifier = '../cluster/temporal-cluster.js';
  const loaded: unknown = await import(specifier).catch((error: Error) => {
    throw new StackUnavailable(`cluster not available (scripts/cluster/temporal-cluster.ts: ${error.message.split('\n')[0]})`);
  });
  if (typeof (loaded as Partial<ClusterModule>).startTemporalCluster !== 'function') throw new StackUnavailable('cluster not available (scripts/cluster/temporal-cluster.ts exports no startTemporalCluster)');
  return loaded as ClusterModule;
}

const cluster: BurstStack = {
  name: 'cluster',
  workers: 2,
  async start(scratch, say) {
    const { startTemporalCluster } = await clusterModule();
    const started = await startTemporalCluster({ dataDir: join(scratch, 'temporal-cluster'), say });
    return { temporalAddress: started.address, namespace: started.namespace, stop: () => started.stop() };
  },
};

export const STACKS: Readonly<Record<StackName, BurstStack>> = { dev, cluster };
