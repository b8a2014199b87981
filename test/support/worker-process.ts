import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = resolve(import.meta.dirname, '../..');

export interface LogLine {
  msg?: string;
  [field: string]: unknown;
}

/**
 * The production worker entry point (worker/main.ts) as its own process, the way `npm run worker`
 * starts it: the test can SIGKILL it like a crashed host. Its JSON log lines are kept, both for
 * what the test reads from them (console OTPs) and to print when a test fails.
 */
export interface WorkerProcess {
  name: string;
  pid: number;
  child: ChildProcess;
  /** Parsed log lines, in order; lines that are not JSON are kept as `{ msg }`. */
  lines: LogLine[];
  /** Raw output (stdout and stderr) for diagnostics. */
  output(): string;
  waitForLine(predicate: (line: LogLine) => boolean, what: string, timeoutMs?: number): Promise<LogLine>;
  kill(signal: NodeJS.Signals): Promise<void>;
  alive(): boolean;
}

export async function startWorkerProcess(name: string, env: NodeJS.ProcessEnv): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`worker ${name} did not start`);
  const lines: LogLine[] = [];
  let raw = '';
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    raw += text;
    partial += text;
    const complete = partial.split('\n');
    partial = complete.pop() ?? '';
    for (const line of complete.filter(Boolean)) {
      try {
        lines.push(JSON.parse(line) as LogLine);
      } catch {
        lines.push({ msg: line });
      }
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => (raw += chunk.toString()));
  // Resolves on exit; an 'error' (spawn failure) shows up as the child never being alive.
  const exited = once(child, 'exit').catch(() => undefined);

  const worker: WorkerProcess = {
    name,
    pid: child.pid,
    child,
    lines,
    output: () => raw,
    alive: () => child.exitCode === null && child.signalCode === null,
    async waitForLine(predicate, what, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = lines.find(predicate);
        if (found) return found;
        if (!worker.alive()) throw new Error(`worker ${name} exited (${child.exitCode ?? child.signalCode}) before ${what}:\n${raw}`);
        if (Date.now() > deadline) throw new Error(`worker ${name}: timed out waiting for ${what}`);
        await sleep(50);
      }
    },
    async kill(signal) {
      if (!worker.alive()) return;
      child.kill(signal);
      await exited;
    },
  };
  await worker.waitForLine((line) => line.msg === 'worker started', 'it polls its task queue');
  return worker;
}

/** Runs `body`; when it throws, first prints the tail of each worker's output (a crash test's failure is read there). */
export async function printOutputOnFailure<T>(workers: readonly WorkerProcess[], body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    for (const worker of workers) process.stderr.write(`--- worker ${worker.name} (pid ${worker.pid}) output ---\n${worker.output().split('\n').slice(-150).join('\n')}\n`);
    throw error;
  }
}
