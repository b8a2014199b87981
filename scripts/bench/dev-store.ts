import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { DEV_SERVER_FILE_PRAGMAS } from '../../lib/dev-server.js';
import { pool, summary, type Run } from './figures.js';
import { startDevServer } from './infra.js';
import type { Figure } from './table.js';

/**
 * The dev server's store: two Temporal dev servers on SQLite files side by side, one with the WAL
 * pragmas `npm start` passes (lib/dev-server.ts), one in SQLite's default journal mode, each taking
 * workflow starts at the same concurrency in ABBA rounds. Nothing polls the task queue: a start is
 * the store's work alone (history, task and visibility rows in one transaction).
 */

export interface DevStoreOptions {
  /** Starts per server. */
  n: number;
  concurrency: number;
}

export interface DevStoreFigures {
  wal: Run[];
  defaultMode: Run[];
}

export async function measureDevStore(options: DevStoreOptions): Promise<DevStoreFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'reelflow-bench-store-'));
  const servers: Awaited<ReturnType<typeof startDevServer>>[] = [];
  try {
    const [wal, defaultMode] = await Promise.all([
      startDevServer({ dbFilename: join(dir, 'wal.db'), extraArgs: DEV_SERVER_FILE_PRAGMAS }),
      startDevServer({ dbFilename: join(dir, 'default.db') }),
    ]);
    servers.push(wal, defaultMode);
    const clients = { wal: wal.environment.client, defaultMode: defaultMode.environment.client };
    const figures: DevStoreFigures = { wal: [], defaultMode: [] };
    let serial = 0;
    const starts = (client: Client, count: number) =>
      pool(options.concurrency, count, async () => {
        const began = performance.now();
        await client.workflow.start('benchStoreProbe', { taskQueue: 'bench-store-unpolled', workflowId: `store-${process.pid}-${serial++}`, args: [] });
        return performance.now() - began;
      });
    await starts(clients.wal, 20);
    await starts(clients.defaultMode, 20);
    const half = Math.floor(options.n / 2);
    for (const [side, count] of [['wal', half], ['defaultMode', half], ['defaultMode', options.n - half], ['wal', options.n - half]] as const) {
      figures[side].push(await starts(clients[side], count));
    }
    return figures;
  } finally {
    await Promise.all(servers.map((server) => server.environment.teardown().catch(() => undefined)));
    await rm(dir, { recursive: true, force: true });
  }
}

/** The dev-store lines of the bench table. */
export function devStoreFigures(figures: DevStoreFigures, command: string): Figure[] {
  const wal = summary(figures.wal);
  const defaultMode = summary(figures.defaultMode);
  const failed = wal.failures + defaultMode.failures;
  return [
    { name: 'dev store: WAL + synchronous=NORMAL', value: `${wal.perSecond.toFixed(1)} starts/s, p50 ${wal.p50.toFixed(0)} ms`, goal: '-', verdict: failed ? `${failed} failed` : '-', command },
    { name: 'dev store: default journal (file)', value: `${defaultMode.perSecond.toFixed(1)} starts/s, p50 ${defaultMode.p50.toFixed(0)} ms`, goal: '-', verdict: '-', command },
    { name: 'dev store: WAL / default rate', value: (wal.perSecond / defaultMode.perSecond).toFixed(2), goal: '(a figure)', verdict: '-', command },
  ];
}
