import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DEV_SERVER_ARGS } from '../lib/dev-server.js';
import { ensureSearchAttributes } from '../lib/temporal.js';
import { createSql } from '../db/client.js';
import { dropDatabase, ensureDatabase } from '../db/ensure-database.js';
import { migrate } from '../db/migrations.js';
import { buildWorkflowBundle } from '../worker/workflow-bundle.js';
import { freePort } from './support/ports.js';
import { startMinio } from './support/minio.js';

/**
 * The test run's global setup: one Temporal dev server on free ports, one throwaway database, one
 * MinIO server (S3_TEST_* in env), one workflow bundle; then node's test runner over every
 * *.test.ts, each file in its own process.
 * Prints "N passed, N failed" last.
 */

const root = resolve(import.meta.dirname, '..');
const filters = process.argv.slice(2);
const SOURCE_DIRS = ['api', 'activities', 'pipelines', 'providers', 'workflows', 'worker', 'db', 'lib', 'scripts', 'test'];

async function findTests(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.test.ts'))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

const files = (await Promise.all(SOURCE_DIRS.map((dir) => findTests(join(root, dir)))))
  .flat()
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}

const temporalCli = process.env.TEMPORAL_CLI;
if (!temporalCli) throw new Error('TEMPORAL_CLI is not set (scripts/test.sh sets it)');
const minioBin = process.env.MINIO_BIN;
if (!minioBin) throw new Error('MINIO_BIN is not set (scripts/test.sh sets it)');

const scratch = await mkdtemp(join(tmpdir(), 'reelflow-test-'));
await mkdir(join(scratch, 'tmp'));
const baseUrl = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/reelflow');
baseUrl.pathname = `/reelflow_test_${process.pid}_${Date.now().toString(36)}`;
const databaseUrl = baseUrl.toString();

const started = performance.now();
const port = await freePort();
const [environment, , minio] = await Promise.all([
  TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCli },
      ip: '127.0.0.1',
      port,
      ui: false,
      log: { format: 'pretty', level: 'error' },
      extraArgs: [...DEV_SERVER_ARGS],
    },
  }),
  (async () => {
    await ensureDatabase(databaseUrl);
    const sql = createSql(databaseUrl, { max: 1 });
    await migrate(sql).finally(() => sql.end());
  })(),
  startMinio({ bin: minioBin, dataDir: join(scratch, 'minio') }),
]);
const bundlePath = await buildWorkflowBundle(join(scratch, 'workflow-bundle.js'));
await ensureSearchAttributes(environment.connection, 'default');
console.log(`test run: Temporal on 127.0.0.1:${port}, database ${baseUrl.pathname.slice(1)}, MinIO on ${minio.endpoint}, ${files.length} files, setup ${Math.round(performance.now() - started)} ms`);

const counts = { pass: 0, fail: 0, skipped: 0 };
let summary = '';
const exitCode = await new Promise<number>((done) => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
        DATABASE_URL: databaseUrl,
        TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
        TEMPORAL_NAMESPACE: 'default',
        WORKFLOW_BUNDLE_PATH: bundlePath,
        REELFLOW_TEST_SCRATCH: scratch,
        MEDIA_ROOT: join(scratch, 'media'),
        // Activities' scratch folders stay inside this run (os.tmpdir() honours TMPDIR).
        TMPDIR: join(scratch, 'tmp'),
        S3_TEST_ENDPOINT: minio.endpoint,
        S3_TEST_ACCESS_KEY: minio.accessKey,
        S3_TEST_SECRET_KEY: minio.secretKey,
      },
    },
  );
  child.stdout.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk);
    summary += chunk.toString();
  });
  child.on('exit', (code) => done(code ?? 1));
});

await environment.teardown().catch((error: unknown) => console.error(`temporal teardown: ${(error as Error).message}`));
await minio.stop();
await dropDatabase(databaseUrl).catch((error: unknown) => console.error(`database teardown: ${(error as Error).message}`));
await rm(scratch, { recursive: true, force: true });

// Parsed from the whole output: a chunk may end mid-line.
for (const match of summary.matchAll(/^ℹ (pass|fail|skipped) (\d+)$/gm)) {
  counts[match[1] as keyof typeof counts] = Number(match[2]);
}
console.log(`\n${counts.pass} passed, ${counts.fail} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}`);
// A run in which no test reported (a test process that died silently) is no pass.
process.exit(exitCode === 0 && counts.fail === 0 && counts.pass > 0 ? 0 : 1);
