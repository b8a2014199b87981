import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { DEV_SERVER_ARGS, DEV_SERVER_FILE_PRAGMAS } from '../../lib/dev-server.js';
import { stopChild } from '../supervise/supervisor.js';

/**
 * A Temporal dev server of the chaos run's own: the CLI's `server start-dev` on a free port with its
 * history in a SQLite file (WAL, as `npm start` runs it), so stop() and start() again keep every
 * workflow. No UI.
 */
export interface TemporalServer {
  address: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startTemporalServer(options: { cli: string; port: number; dbFile: string }): Promise<TemporalServer> {
  const address = `127.0.0.1:${options.port}`;
  let server: ChildProcess | undefined;
  let log = '';

  async function start(): Promise<void> {
    const child = spawn(
      options.cli,
      [
        'server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(options.port), '--namespace', 'default',
        '--db-filename', options.dbFile, ...DEV_SERVER_FILE_PRAGMAS,
        '--log-level', 'error',
        ...DEV_SERVER_ARGS,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const keep = (chunk: Buffer) => void (log = (log + chunk.toString()).slice(-4000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    server = child;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`temporal exited (${child.exitCode}):\n${log}`);
      const connection = await Connection.connect({ address, connectTimeout: '1s' }).catch(() => undefined);
      if (connection) {
        const ok = await connection.workflowService.getSystemInfo({}).then(() => true, () => false);
        await connection.close();
        if (ok) return;
      }
      if (Date.now() > deadline) throw new Error(`temporal did not answer on ${address}:\n${log}`);
      await sleep(250);
    }
  }

  const stop = () => stopChild(server);

  process.once('exit', () => server?.kill('SIGKILL'));
  await start();
  return { address, start, stop };
}
