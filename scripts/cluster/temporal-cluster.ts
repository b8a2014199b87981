import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../../test/support/ports.js';
import { stopChild, temporalAnswers, waitUntil } from '../supervise/supervisor.js';
import { clusterPlan, clusterPorts, databaseOf, repoRoot, serverSettings, temporalServerHome, type ClusterDatabase, type ClusterPlan, type ClusterPorts, type Command } from './plan.js';

/**
 * A PostgreSQL-backed Temporal cluster of its own, for benchmarks (npm run bench:burst) and tests: the same plan as
 * `npm run start:cluster` (scripts/cluster/plan.ts), on free ports and, by default, its own pair of
 * databases, with its processes' output in `dataDir`. `npm run start:cluster` supervises the same
 * commands itself (scripts/cluster/main.ts).
 */
export interface TemporalCluster {
  /** host:port of the frontend's gRPC. */
  address: string;
  namespace: string;
  uiUrl: string;
  /** Stops the UI and the server, and drops the databases it made (not ones it was given). */
  stop(): Promise<void>;
}

export interface TemporalClusterOptions {
  /** Where the processes' logs go. */
  dataDir: string;
  /** Default: DATABASE_URL's server, else PostgreSQL on 127.0.0.1:5432 as postgres. */
  database?: ClusterDatabase;
  /** Default: temporal_<random> and temporal_<random>_visibility, dropped at stop(). */
  databaseNames?: { main: string; visibility: string };
  namespace?: string;
  say?: (line: string) => void;
}

const temporalCli = () => process.env.TEMPORAL_CLI ?? join(repoRoot, '.tools/bin/temporal');

/** Whether 127.0.0.1:`port` can be bound right now. */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A frontend port whose whole layout (clusterPorts) is free, and a free UI port. */
export async function freeClusterPorts(): Promise<ClusterPorts> {
  for (let attempt = 0; attempt < 50; attempt++) {
    // Below 32768: the membership ports must fit a smallint, and Linux hands out ephemeral ports from 32768.
    const ports = clusterPorts(20_000 + Math.floor(Math.random() * 12_000), await freePort());
    const free = await Promise.all(Object.values(ports).map(bindable));
    if (free.every(Boolean)) return ports;
  }
  throw new Error('found no free ports for a Temporal cluster in 50 tries');
}

function spawnLogged(command: Command, log: WriteStream): ChildProcess {
  const child = spawn(command.command, command.args, { env: { ...process.env, ...command.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  return child;
}

export async function startTemporalCluster(options: TemporalClusterOptions): Promise<TemporalCluster> {
  const say = options.say ?? (() => {});
  const namespace = options.namespace ?? 'default';
  const suffix = Math.random().toString(36).slice(2, 8);
  const owned = !options.databaseNames;
  const databaseNames = options.databaseNames ?? { main: `temporal_${suffix}`, visibility: `temporal_${suffix}_visibility` };
  await mkdir(options.dataDir, { recursive: true });
  const settings = { ...serverSettings(), DBNAME: databaseNames.main, VISIBILITY_DBNAME: databaseNames.visibility };
  const database = options.database ?? databaseOf(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  const plan: ClusterPlan = clusterPlan({ home: temporalServerHome(), database, ports: await freeClusterPorts(), namespace, settings });
  const serverLog = createWriteStream(join(options.dataDir, 'temporal-server.log'), { flags: 'a' });
  const uiLog = createWriteStream(join(options.dataDir, 'temporal-ui.log'), { flags: 'a' });
  let server: ChildProcess | undefined;
  let ui: ChildProcess | undefined;
  const killAll = () => (server?.kill('SIGKILL'), ui?.kill('SIGKILL'));
  process.once('exit', killAll);

  async function startServer(): Promise<void> {
    const child = spawnLogged(plan.server, serverLog);
    server = child;
    await waitUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`temporal-server exited with code ${child.exitCode} (see ${join(options.dataDir, 'temporal-server.log')})`);
        return temporalAnswers(plan.address);
      },
      90_000,
      `temporal-server did not answer on ${plan.address} within 90 s (see ${join(options.dataDir, 'temporal-server.log')})`,
    );
  }

  async function stop(): Promise<void> {
    await stopChild(ui);
    await stopChild(server);
    process.off('exit', killAll);
    serverLog.end();
    uiLog.end();
    if (owned) await plan.dropDatabases();
  }

  const started = Date.now();
  try {
    say(await plan.setupSchema());
    await startServer();
    say(await plan.registerNamespace(temporalCli()));
    ui = spawnLogged(plan.ui, uiLog);
    await waitUntil(async () => (await fetch(plan.uiUrl)).ok, 30_000, `the Temporal UI did not answer on ${plan.uiUrl} within 30 s`);
  } catch (error) {
    // A cluster that never came up leaves no process and none of the databases it was to own.
    await stop().catch(() => {});
    throw error;
  }
  say(`temporal cluster up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${plan.address}, UI ${plan.uiUrl}`);

  return {
    address: plan.address,
    namespace,
    uiUrl: plan.uiUrl,
    stop,
  };
}
