import { join } from 'node:path';
import { freePort } from '../../test/support/ports.js';
import { workerSettings } from '../cluster/plan.js';
import { startTemporalCluster } from '../cluster/temporal-cluster.js';
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
  /** Starts the server with its state (or its logs) under `scratch`. */
  start(scratch: string, say: (line: string) => void): Promise<StartedTemporal>;
}

export const STACK_NAMES = ['dev', 'cluster'] as const;
export type StackName = (typeof STACK_NAMES)[number];

const dev: BurstStack = {
  name: 'dev',
  workers: 1,
  async start(scratch) {
    const server = await startTemporalServer({ cli: tool('TEMPORAL_CLI', 'temporal'), port: await freePort(), dbFile: join(scratch, 'temporal.db') });
    return { temporalAddress: server.address, namespace: 'default', stop: () => server.stop() };
  },
};

const cluster: BurstStack = {
  name: 'cluster',
  // As many as start:cluster runs (deploy/cluster.env).
  workers: Number(workerSettings().CLUSTER_WORKERS),
  async start(scratch, say) {
    const started = await startTemporalCluster({ dataDir: join(scratch, 'temporal-cluster'), say });
    return { temporalAddress: started.address, namespace: started.namespace, stop: () => started.stop() };
  },
};

export const STACKS: Readonly<Record<StackName, BurstStack>> = { dev, cluster };
