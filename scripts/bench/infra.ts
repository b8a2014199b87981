import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { createSql } from '../../db/client.js';
import { dropDatabase, ensureDatabase } from '../../db/ensure-database.js';
import { migrate } from '../../db/migrations.js';
import { DEV_SERVER_ARGS } from '../../lib/dev-server.js';
import { ensureSearchAttributes } from '../../lib/temporal.js';
import { buildWorkflowBundle } from '../../worker/workflow-bundle.js';
import { freePort } from '../../test/support/ports.js';

/**
 * What every benchmark stands on, its own and thrown away afterwards: a scratch folder, a Temporal
 * dev server (in memory unless `dbFilename`, extra `start-dev` arguments allowed), a migrated
 * database on DATABASE_URL's server and the workflow bundle.
 */

export const repoRoot = resolve(import.meta.dirname, '../..');

/** The Temporal CLI the bootstrap builds (scripts/ensure-tools.sh), or TEMPORAL_CLI. */
export const temporalCli = () => process.env.TEMPORAL_CLI ?? join(repoRoot, '.tools/bin/temporal');

/** A dev server on a free loopback port; `dbFilename` keeps its store in that SQLite file. */
export async function startDevServer(options: { dbFilename?: string; extraArgs?: readonly string[] } = {}): Promise<{ environment: TestWorkflowEnvironment; address: string }> {
  const port = await freePort();
  const environment = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCli() },
      ip: '127.0.0.1',
      port,
      ui: false,
      log: { format: 'pretty', level: 'error' },
      ...(options.dbFilename ? { dbFilename: options.dbFilename } : {}),
      extraArgs: [...DEV_SERVER_ARGS, ...(options.extraArgs ?? [])],
    },
  });
  await ensureSearchAttributes(environment.connection, 'default');
  return { environment, address: `127.0.0.1:${port}` };
}

/** Scratch folder and database name chosen now; start() brings everything up, teardown() removes whatever start() got to. */
export async function benchInfra() {
  const scratch = await mkdtemp(join(tmpdir(), 'reelflow-bench-'));
  const databaseUrl = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/reelflow');
  databaseUrl.pathname = `/reelflow_bench_${process.pid}_${Date.now().toString(36)}`;
  // Kept while it starts: should the database fail first, teardown() still waits for it and stops it.
  let temporalStarting: ReturnType<typeof startDevServer> | undefined;

  async function start() {
    const [temporal, , bundlePath] = await Promise.all([
      (temporalStarting = startDevServer()),
      (async () => {
        await ensureDatabase(databaseUrl.toString());
        const migrator = createSql(databaseUrl.toString(), { max: 1 });
        await migrate(migrator).finally(() => migrator.end());
      })(),
      buildWorkflowBundle(join(scratch, 'workflow-bundle.js')),
    ]);
    return { temporal, bundlePath, databaseUrl: databaseUrl.toString() };
  }

  async function teardown() {
    const temporal = await temporalStarting?.catch(() => undefined);
    await temporal?.environment.teardown().catch((error: unknown) => console.error(`temporal teardown: ${(error as Error).message}`));
    await dropDatabase(databaseUrl.toString()).catch((error: unknown) => console.error(`database teardown: ${(error as Error).message}`));
    await rm(scratch, { recursive: true, force: true });
  }

  return { scratch, databaseName: databaseUrl.pathname.slice(1), start, teardown };
}
