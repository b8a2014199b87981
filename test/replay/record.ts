import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { createSql } from '../../db/client.js';
import { dropDatabase, ensureDatabase } from '../../db/ensure-database.js';
import { migrate } from '../../db/migrations.js';
import { DEV_SERVER_ARGS } from '../../lib/dev-server.js';
import { ensureSearchAttributes } from '../../lib/temporal.js';
import { buildWorkflowBundle } from '../../worker/workflow-bundle.js';
import { installQuietRuntime } from '../support/harness.js';
import { freePort } from '../support/ports.js';
import { HISTORIES_DIR, workflowTypeOf } from './fixtures.js';
import { historyToJson } from './history-json.js';
import type { Client } from '@temporalio/client';
import type { Recorded, ScenarioSet } from './scenarios/recording.js';

/**
 * Records the replay fixtures: runs every pipeline's scenarios (test/replay/scenarios/) on a
 * throwaway stack — its own Temporal dev server, PostgreSQL database and media folder, the real
 * workflow bundle and worker — and writes each kept run's history to
 * test/replay/histories/<workflow type>-<scenario>.json.
 *
 *   npx tsx test/replay/record.ts              # every scenario set
 *   npx tsx test/replay/record.ts closeup feed # only these sets
 *
 * Fixtures a run writes are overwritten; others are kept (listed): see docs/replay.md.
 *
 * Needs what `npm test` installs (the Temporal CLI in .tools/bin or TEMPORAL_CLI, ffmpeg,
 * espeak-ng, PostgreSQL at DATABASE_URL). See docs/replay.md.
 */

const SETS: Record<string, () => Promise<ScenarioSet>> = {
  'self-test': async () => (await import('./scenarios/self-test.js')).recordSelfTest,
  closeup: async () => (await import('./scenarios/closeup.js')).recordCloseup,
  generation: async () => (await import('./scenarios/generation.js')).recordGeneration,
  'product-ad': async () => (await import('./scenarios/product-ad.js')).recordProductAd,
  mv: async () => (await import('./scenarios/mv.js')).recordMv,
  dubbing: async () => (await import('./scenarios/dubbing.js')).recordDubbing,
  feed: async () => (await import('./scenarios/feed.js')).recordFeed,
};

const root = resolve(import.meta.dirname, '../..');
const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !(name in SETS));
if (unknown.length > 0) throw new Error(`unknown scenario sets ${unknown.join(', ')}; known: ${Object.keys(SETS).join(', ')}`);
const names = chosen.length > 0 ? chosen : Object.keys(SETS);

const temporalCli = process.env.TEMPORAL_CLI ?? join(root, '.tools/bin/temporal');
if (!existsSync(temporalCli)) throw new Error(`no Temporal CLI at ${temporalCli}: run npm test once (it installs one) or set TEMPORAL_CLI`);

const scratch = await mkdtemp(join(tmpdir(), 'reelflow-replay-'));
await mkdir(join(scratch, 'tmp'));
const databaseUrl = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/reelflow');
databaseUrl.pathname = `/reelflow_replay_${process.pid}_${Date.now().toString(36)}`;
const port = await freePort();
// Before the test server instantiates the SDK's runtime: the stacks' workers share it.
installQuietRuntime();
const environment = await TestWorkflowEnvironment.createLocal({
  server: { executable: { type: 'existing-path', path: temporalCli }, ip: '127.0.0.1', port, ui: false, log: { format: 'pretty', level: 'error' }, extraArgs: [...DEV_SERVER_ARGS] },
});

try {
  await ensureDatabase(databaseUrl.toString());
  const sql = createSql(databaseUrl.toString(), { max: 1 });
  await migrate(sql).finally(() => sql.end());
  await ensureSearchAttributes(environment.connection, 'default');
  // The stacks in test/support read their configuration from the environment, as under test/run.ts.
  Object.assign(process.env, {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: databaseUrl.toString(),
    TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
    TEMPORAL_NAMESPACE: 'default',
    WORKFLOW_BUNDLE_PATH: await buildWorkflowBundle(join(scratch, 'workflow-bundle.js')),
    REELFLOW_TEST_SCRATCH: scratch,
    MEDIA_ROOT: join(scratch, 'media'),
    TMPDIR: join(scratch, 'tmp'),
  });

  await mkdir(HISTORIES_DIR, { recursive: true });
  const written = new Set<string>();
  for (const name of names) {
    const started = performance.now();
    const runs = await (await SETS[name]!())();
    console.log(`${name}: ${runs.length} runs in ${Math.round(performance.now() - started)} ms`);
    for (const file of await writeFixtures(environment.client, runs)) written.add(file);
  }

  // Kept, not deleted: a renamed history of an older workflow version must stay until its runs have closed.
  const others = (await readdir(HISTORIES_DIR)).filter((file) => file.endsWith('.json') && !written.has(file));
  if (chosen.length === 0 && others.length > 0) console.log(`not recorded by any scenario (delete them if they are stale): ${others.join(', ')}`);
} finally {
  await environment.teardown().catch((error: unknown) => console.error(`temporal teardown: ${(error as Error).message}`));
  await dropDatabase(databaseUrl.toString()).catch((error: unknown) => console.error(`database teardown: ${(error as Error).message}`));
  await rm(scratch, { recursive: true, force: true });
}

/** Writes each run's history as `<workflow type>-<scenario>.json`; the file names. */
async function writeFixtures(client: Client, runs: Recorded[]): Promise<string[]> {
  const files: string[] = [];
  for (const run of runs) {
    const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
    const file = `${workflowTypeOf(history)}-${run.scenario}.json`;
    const json = `${historyToJson(history)}\n`;
    await writeFile(join(HISTORIES_DIR, file), json);
    files.push(file);
    console.log(`  ${file}  ${history.events?.length ?? 0} events, ${(Buffer.byteLength(json) / 1024).toFixed(1)} KB`);
  }
  return files;
}
