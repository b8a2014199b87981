import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { appendFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startWorkerProcess, type WorkerProcess } from '../../test/support/worker-process.js';

const root = resolve(import.meta.dirname, '../..');

/**
 * The reelflow processes under test, as they run in production: the API (api/main.ts) and the
 * worker (worker/main.ts, through test/support/worker-process.ts) as child processes. The worker is
 * meant to die: kill() SIGKILLs it and start() brings up a fresh one, counting both.
 */

export interface ApiProcess {
  url: string;
  stop(): Promise<void>;
  output(): string;
}

export async function startApiProcess(env: NodeJS.ProcessEnv, url: string): Promise<ApiProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk: Buffer) => void (tail = (tail + chunk.toString()).slice(-20_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  process.once('exit', () => child.kill('SIGKILL'));
  const deadline = Date.now() + 60_000;
  while (!(await fetch(`${url}/healthz`).then((response) => response.ok, () => false))) {
    if (child.exitCode !== null) throw new Error(`the API exited (${child.exitCode}):\n${tail}`);
    if (Date.now() > deadline) throw new Error(`the API did not answer on ${url}:\n${tail}`);
    await sleep(200);
  }
  return {
    url,
    output: () => tail,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface WorkerPool {
  /** SIGKILLs the running worker (a crashed host); resolves when it is gone. */
  kill(): Promise<void>;
  /** Starts a fresh worker and waits until it polls (or gives up after its own timeout). */
  start(): Promise<void>;
  stop(): Promise<void>;
  kills: () => number;
  starts: () => number;
  alive: () => boolean;
  /** The output of the worker processes that died with an error of their own (not our SIGKILL). */
  crashes: () => string[];
}

/** `logFile` collects every worker's output, each after it ends; `name` prefixes each worker's number (pools side by side). */
export function workerPool(env: NodeJS.ProcessEnv, logFile: string, name = ''): WorkerPool {
  let current: WorkerProcess | undefined;
  let kills = 0;
  let starts = 0;
  const crashes: string[] = [];
  process.once('exit', () => current?.child.kill('SIGKILL'));
  return {
    async kill() {
      if (!current?.alive()) return;
      kills += 1;
      await current.kill('SIGKILL');
    },
    async start() {
      starts += 1;
      const worker = await startWorkerProcess(`${name}${starts}`, env);
      // A worker that exits on its own (not killed here) is a finding: keep its output.
      worker.child.once('exit', (code, signal) => {
        void appendFile(logFile, `--- worker ${worker.name} (pid ${worker.pid}) ended by ${signal ?? code} ---\n${worker.output()}\n`);
        if (signal !== 'SIGKILL' && signal !== 'SIGTERM' && code !== 0) crashes.push(worker.output().slice(-4000));
      });
      current = worker;
    },
    async stop() {
      await current?.kill('SIGTERM');
    },
    kills: () => kills,
    starts: () => starts,
    alive: () => current?.alive() ?? false,
    crashes: () => crashes,
  };
}
