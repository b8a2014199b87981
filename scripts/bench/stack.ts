import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { createSql, type Sql } from '../../db/client.js';
import { loadConfig } from '../../lib/config.js';
import { freePort } from '../../test/support/ports.js';
import { benchInfra, repoRoot as root } from './infra.js';

/**
 * The submission benchmark's world: its own Temporal dev server (in memory), its own throwaway
 * database (dropped at teardown), the real API (api/main.ts) and the real worker (worker/main.ts,
 * with scripts/bench-memory-probe.mjs preloaded) as child processes on loopback; and the probes
 * that read their memory and CPU time from /proc.
 */

interface Child {
  process: ChildProcess;
  /** The last lines it wrote, shown when it dies early. */
  output: () => string;
}

function startChild(name: string, args: string[], env: NodeJS.ProcessEnv, stopping: () => boolean): Child {
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let tail = '';
  const keep = (chunk: Buffer) => void (tail = (tail + chunk.toString()).slice(-8000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('exit', (code, signal) => {
    if (!stopping()) console.error(`${name} exited early (${signal ?? code}):\n${tail}`);
  });
  return { process: child, output: () => tail };
}

async function stopChild(child: Child | undefined): Promise<void> {
  if (!child || child.process.exitCode !== null || child.process.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.process.once('exit', () => done()));
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** What scripts/bench-memory-probe.mjs answers. */
interface MemorySample extends NodeJS.MemoryUsage {
  threadHeapUsed: number;
  threads: number;
  gcForced: boolean;
}

export type ProcessMemory = MemorySample & { vmRss: number; vmHwm: number };

async function memoryOf(child: Child): Promise<ProcessMemory> {
  const answer = new Promise<MemorySample>((done) => child.process.once('message', (message) => done(message as MemorySample)));
  child.process.send('memory');
  const sample = await answer;
  const status = await readFile(`/proc/${child.process.pid}/status`, 'utf8');
  const kib = (field: string) => Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN) * 1024;
  return { ...sample, vmRss: kib('VmRSS'), vmHwm: kib('VmHWM') };
}

/** CPU time (user + system) of a process, from /proc/<pid>/stat; undefined when it cannot be read (gone, or on another host). */
async function cpuMsOf(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!stat) return undefined;
  // Fields after "pid (comm) ": state is the 3rd field, utime the 14th, stime the 15th; Linux counts in 1/100 s.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Our child processes by command name (the Temporal dev server is started by the SDK's native core). */
async function childPidsNamed(name: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (comm === name && ppid === process.pid) pids.push(Number(entry));
  }
  return pids;
}

export type CpuSnapshot = Map<string, Map<number, number>>;

export const CPU_PARTS = ['api', 'worker', 'temporal', 'postgres', 'bench'] as const;

/**
 * Scratch folder, database name, task queue and ports, chosen now; nothing runs until start().
 * teardown() stops and removes whatever start() got as far as, so call it in a finally.
 * `env` is added to the API's and worker's environment (another storage backend, say).
 */
export async function benchStack(options: { env?: Record<string, string> } = {}) {
  let stopping = false;
  const infra = await benchInfra();
  const taskQueue = `bench-submit-${process.pid}`;
  const apiPort = await freePort();

  let sql: Sql | undefined;
  let api: Child | undefined;
  let worker: Child | undefined;
  let connection: Connection | undefined;

  async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check().catch(() => false))) {
      const exited = [api, worker].find((child) => child && child.process.exitCode !== null);
      if (exited) throw new Error(`a child process exited while waiting for ${what}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(200);
    }
  }

  async function teardown() {
    stopping = true;
    await Promise.all([stopChild(api), stopChild(worker)]);
    await connection?.close().catch(() => undefined);
    await sql?.end({ timeout: 5 }).catch(() => undefined);
    await infra.teardown();
  }

  /** Starts everything and waits until the API answers and the worker polls; `cpuProfileDir` profiles the API process. */
  async function start(cpuProfileDir?: string) {
    const { temporal, bundlePath, databaseUrl } = await infra.start();
    const scratch = infra.scratch;

    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: taskQueue,
      WORKFLOW_BUNDLE_PATH: bundlePath,
      MEDIA_ROOT: join(scratch, 'media'),
      STORAGE_BACKEND: 'local',
      SMS_PROVIDER: 'console',
      PHOTO_VALIDATOR: 'local',
      HOST: '127.0.0.1',
      PORT: String(apiPort),
      PUBLIC_BASE_URL: `http://127.0.0.1:${apiPort}`,
      ...options.env,
    };
    const config = loadConfig(childEnv);
    const db = (sql = createSql(config.DATABASE_URL, { max: 4 }));
    connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
    const client = new Client({ connection, namespace: 'default' });

    const isStopping = () => stopping;
    const workerChild = (worker = startChild('worker', ['--expose-gc', '--import', 'tsx', '--import', './scripts/bench-memory-probe.mjs', 'worker/main.ts'], childEnv, isStopping));
    const profile = cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(cpuProfileDir)}`] : [];
    const apiChild = (api = startChild('api', [...profile, '--import', 'tsx', 'api/main.ts'], childEnv, isStopping));
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    await waitFor('the API', async () => (await fetch(`${apiUrl}/healthz`)).ok);
    await waitFor('the worker to poll', async () => {
      const queue = await client.workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name: taskQueue },
        taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      });
      return (queue.pollers?.length ?? 0) > 0;
    });

    const temporalPids = await childPidsNamed('temporal');
    /** CPU used so far by every process taking part, per pid (PostgreSQL: this database's backends). */
    const cpuSnapshot = async (): Promise<CpuSnapshot> => {
      const backends = await db<{ pid: number }[]>`select pid from pg_stat_activity where datname = current_database()`;
      const pids: Record<(typeof CPU_PARTS)[number], number[]> = {
        api: [apiChild.process.pid!],
        worker: [workerChild.process.pid!],
        temporal: temporalPids,
        postgres: backends.map((backend) => backend.pid),
        bench: [],
      };
      const snapshot: CpuSnapshot = new Map();
      for (const part of CPU_PARTS) {
        const times = new Map<number, number>();
        for (const pid of pids[part]) {
          const ms = await cpuMsOf(pid);
          if (ms !== undefined) times.set(pid, ms);
        }
        snapshot.set(part, times);
      }
      const own = process.cpuUsage();
      snapshot.set('bench', new Map([[process.pid, (own.user + own.system) / 1000]]));
      return snapshot;
    };

    return { config, sql: db, client, apiUrl, cpuSnapshot, workerMemory: () => memoryOf(workerChild) };
  }

  return { databaseName: infra.databaseName, taskQueue, start, waitFor, teardown };
}
