import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import PinoPretty from 'pino-pretty';

/**
 * The process supervision shared by `npm start` (scripts/dev.ts) and `npm run start:cluster`
 * (scripts/cluster/main.ts): children in their own process groups, restarted with a doubling delay
 * (1 s up to 30 s) when one dies, stopped in order on Ctrl-C (the application first, so workers
 * finish in-flight work while Temporal is still up; then the infrastructure).
 */

export interface ServiceSpec {
  name: string;
  command: string;
  args: string[];
  /** Added to the supervisor's own environment. */
  env?: Record<string, string>;
  /** pino JSON on stdout, shown pretty. */
  jsonLogs: boolean;
  /** Temporal, its Web UI: stopped after the application. */
  infrastructure?: boolean;
  /** Output appended to this file instead of the terminal (the cluster's chatty Go servers). */
  logFile?: string;
}

interface Service extends ServiceSpec {
  child?: ChildProcess;
  restarts: number;
}

export const say = (message: string) => process.stdout.write(`reelflow: ${message}\n`);

export function createSupervisor(root: string) {
  const services: Service[] = [];
  let stopping = false;
  // Writes human-readable lines to stdout itself.
  const pretty = PinoPretty({ colorize: process.stdout.isTTY, ignore: 'pid,hostname,service', translateTime: 'SYS:HH:MM:ss' });
  // Should the supervisor exit some other way than stopAll, the children go with it.
  process.on('exit', () => services.forEach((service) => service.child?.kill('SIGKILL')));

  function run(service: Service) {
    const child = spawn(service.command, service.args, { cwd: root, env: { ...process.env, ...service.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    service.child = child;
    const log = service.logFile ? createWriteStream(service.logFile, { flags: 'a' }) : undefined;
    child.stdout?.pipe(log ?? (service.jsonLogs ? pretty : process.stdout), { end: false });
    child.stderr?.pipe(log ?? process.stderr, { end: false });
    if (log) child.once('close', () => log.end());
    child.once('exit', (code, signal) => {
      service.child = undefined;
      if (stopping) return;
      const delay = Math.min(1000 * 2 ** service.restarts, 30_000);
      service.restarts += 1;
      say(`${service.name} exited unexpectedly (${signal ?? `code ${code}`}); restarting in ${delay / 1000}s`);
      setTimeout(() => !stopping && run(service), delay).unref();
    });
  }

  async function stopAll(): Promise<void> {
    stopping = true;
    const running = services.filter((service) => service.child);
    for (const group of [running.filter((s) => !s.infrastructure), running.filter((s) => s.infrastructure)]) {
      await Promise.all(
        group.map(
          (service) =>
            new Promise<void>((done) => {
              const child = service.child;
              if (!child) return done();
              const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
              child.once('exit', () => (clearTimeout(kill), done()));
              child.kill('SIGTERM');
            }),
        ),
      );
    }
  }

  return {
    get stopping() {
      return stopping;
    },
    /** Starts a service and keeps it running until stopAll. */
    launch(spec: ServiceSpec) {
      const service: Service = { ...spec, restarts: 0 };
      services.push(service);
      run(service);
    },
    stopAll,
    /** Ctrl-C (or SIGTERM) stops everything in order; a second Ctrl-C forces the exit. */
    stopOnSignals() {
      let interrupted = 0;
      const onSignal = (signal: NodeJS.Signals) => {
        if (++interrupted > 1) process.exit(130);
        say(`${signal}: stopping (press Ctrl-C again to force)`);
        void stopAll().then(() => {
          say('stopped');
          process.exit(0);
        });
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    },
  };
}

export type Supervisor = ReturnType<typeof createSupervisor>;

/** Whether a Temporal frontend answers at `address` (host:port) within a second. */
export async function temporalAnswers(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: '1s' }).catch(() => undefined);
  if (!connection) return false;
  const ok = await connection.workflowService.getSystemInfo({}).then(() => true, () => false);
  await connection.close();
  return ok;
}

/** Polls every 500 ms until `ready` resolves true; throws `failure` after `timeoutMs`. */
export async function waitUntil(ready: () => Promise<boolean>, timeoutMs: number, failure: string, stopped: () => boolean = () => false): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!stopped()) {
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(failure);
    await sleep(500);
  }
}

/** Whether the API at 127.0.0.1:`port` answers /readyz with 200. */
export async function apiReady(port: number): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
  return response?.ok ?? false;
}

/** Stops a child process: SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
export async function stopChild(child: ChildProcess | undefined, graceMs = 15_000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
