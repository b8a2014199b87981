import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import postgres from 'postgres';
import proto from '@temporalio/proto';
import { loadConfig } from '../../lib/config.js';
import { PIPELINES } from '../../pipelines/index.js';
import { checkRun } from '../../scripts/chaos/checks.js';
import { createHttp } from '../../scripts/chaos/http.js';
import { DRIVERS, type LoadContext } from '../../scripts/chaos/load.js';
import { startChaosProviders, type ChaosProviders } from '../../scripts/chaos/providers.js';
import { clusterPlan, databaseOf, serverSettings } from '../../scripts/cluster/plan.js';
import { freeClusterPorts } from '../../scripts/cluster/temporal-cluster.js';
import { temporalAnswers, waitUntil } from '../../scripts/supervise/supervisor.js';
import { PROVIDER_QUEUE_ACTIVITIES } from '../../workflows/engine/provider-queues.js';
import { launchBrowser } from '../support/browser.js';
import { ClusterSupervisor } from '../support/cluster-stack.js';
import { testSql } from '../support/harness.js';
import { texturedJpeg } from '../support/images.js';
import { makeClip } from '../support/media.js';
import { freePort } from '../support/ports.js';

/**
 * `npm run start:cluster` end to end: the PostgreSQL-backed Temporal server, its Web UI, two
 * workers and the API under the supervisor; one job of every pipeline through the public API
 * against the provider fakes; one worker SIGKILLed while it runs a job's stage, the Temporal server
 * SIGKILLed mid-run (the supervisor starts both again); every job ends as it should, once; the Web
 * UI lists the jobs by a reelflow search attribute; Ctrl-C stops everything.
 */

const suffix = randomUUID().slice(0, 8);
const settings = { ...serverSettings(), DBNAME: `temporal_cl_${suffix}`, VISIBILITY_DBNAME: `temporal_cl_${suffix}_visibility` };
// A database of its own, which start:cluster creates and migrates: the suite's is shared with other files' jobs.
const databaseUrl = Object.assign(new URL(process.env.DATABASE_URL!), { pathname: `/reelflow_cl_${suffix}` }).toString();
let scratch: string;
let supervisor: ClusterSupervisor;
let providers: ChaosProviders;
let env: NodeJS.ProcessEnv;
let address: string;
let uiUrl: string;

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'reelflow-cluster-'));
  await mkdir(join(scratch, 'tmp'));
  const ports = await freeClusterPorts();
  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  address = `127.0.0.1:${ports.frontend}`;
  uiUrl = `http://localhost:${ports.ui}`;
  // A prediction runs for several polls (2 s apart): long enough to kill its worker mid-stage.
  providers = await startChaosProviders({ apiUrl, scratch, predictionPlan: ['starting', 'processing', 'processing', 'processing', 'processing', 'processing', 'succeeded'] });
  env = {
    ...process.env,
    ...settings,
    ...providers.env,
    DATABASE_URL: databaseUrl,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(apiPort),
    PUBLIC_BASE_URL: apiUrl,
    TEMPORAL_ADDRESS: address,
    TEMPORAL_UI_PORT: String(ports.ui),
    TEMPORAL_UI_URL: uiUrl,
    TEMPORAL_TASK_QUEUE: `cluster-${suffix}`,
    STORAGE_BACKEND: 'local',
    MEDIA_ROOT: join(scratch, 'media'),
    TMPDIR: join(scratch, 'tmp'),
    CLUSTER_LOG_DIR: join(scratch, 'cluster-logs'),
    // The server's own pools (its template's defaults: 20 + 10) kept small beside the suite's other connections to the shared PostgreSQL.
    SQL_MAX_CONNS: '5', SQL_MAX_IDLE_CONNS: '5', SQL_VIS_MAX_CONNS: '2', SQL_VIS_MAX_IDLE_CONNS: '2',
    PHOTO_VALIDATOR: 'local',
    LLM_PROVIDER: 'local',
    TTS_PROVIDER: 'local',
    WORKER_METRICS_PORT: '0',
    // A killed worker's stage is retried on the other after 4 s of silence.
    ACTIVITY_HEARTBEAT_TIMEOUT_SECONDS: '4',
    MV_SYNC_TIMEOUT_SECONDS: '2',
    FEED_VIDEO_COST: '3',
  };
  supervisor = new ClusterSupervisor(env);
  await supervisor.waitFor(/up and running/, 180_000).catch(async (error: Error) => {
    // The scratch folder goes at the end: keep the server's own last words in the failure.
    const log = await readFile(join(scratch, 'cluster-logs', 'temporal-server.log'), 'utf8').catch(() => '');
    const last = log.split('\n').filter((line) => /"level":"(error|fatal)"/.test(line)).slice(-3).map((line) => line.slice(0, 400));
    throw new Error(`${error.message}\n--- temporal-server.log, last errors ---\n${last.join('\n')}`);
  });
});

after(async () => {
  if (supervisor?.process.exitCode === null) supervisor.kill();
  await providers?.close();
  const database = databaseOf(databaseUrl);
  const plan = clusterPlan({ home: '', database, ports: await freeClusterPorts(), namespace: 'default', settings });
  await plan.dropDatabases().catch(() => {});
  const admin = postgres({ ...database, database: 'postgres', max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists "reelflow_cl_${suffix}" with (force)`).catch(() => {});
  await admin.end();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('npm run start:cluster', () => {
  it('finishes a job of every pipeline through a worker SIGKILL and a Temporal server restart, and the Web UI finds them', async () => {
    assert.equal(supervisor.children(/worker\/main\.ts/).length, 2, 'two worker processes run');
    const media = join(scratch, 'upload.mp4');
    await makeClip(media, { width: 480, height: 854, fps: 25, seconds: 2 });
    const http = createHttp(String(env.PUBLIC_BASE_URL));
    const context: LoadContext = {
      http,
      config: loadConfig(env),
      providers,
      photo: await texturedJpeg(900, 1200),
      clip: await readFile(media),
      cancelRequested: new Set(),
      problems: [],
      resends: 0,
    };
    // n = 1: the generation driver cancels only every fourth job, from n = 0.
    await Promise.all(PIPELINES.map((pipeline) => DRIVERS[pipeline.name]!(context, 1)));
    assert.deepEqual(context.problems, []);

    const connection = await Connection.connect({ address });
    const client = new Client({ connection, namespace: 'default' });
    const sql = testSql(loadConfig(env));
    try {
      // A worker running a stage: the pending activity's last worker identity is `<pid>@<host>`.
      const workers = supervisor.children(/worker\/main\.ts/);
      let victim: { pid: number; workflowId: string; activity: string } | undefined;
      await waitUntil(async () => {
        for await (const execution of client.workflow.list({ query: 'ExecutionStatus="Running"' })) {
          const description = await client.workflow.getHandle(execution.workflowId).describe();
          for (const pending of description.raw.pendingActivities ?? []) {
            const pid = Number(pending.lastWorkerIdentity?.split('@')[0]);
            const activity = pending.activityType?.name ?? '';
            const started = pending.state === proto.temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;
            // A prediction stage started within 6 s has seconds of polls left: the kill lands mid-stage, not after it.
            const startedAt = Number(pending.lastStartedTime?.seconds ?? 0) * 1000;
            const long = (PROVIDER_QUEUE_ACTIVITIES.predictions as readonly string[]).includes(activity) && Date.now() - startedAt < 6_000;
            if (started && long && workers.includes(pid)) victim = { pid, workflowId: execution.workflowId, activity };
          }
          if (victim) return true;
        }
        return false;
      }, 120_000, 'no stage ever ran on a worker');
      process.kill(victim!.pid, 'SIGKILL');

      const [server] = supervisor.children(/temporal-server/);
      assert.ok(server, 'the Temporal server runs under the supervisor');
      process.kill(server, 'SIGKILL');
      await supervisor.waitFor(/temporal exited unexpectedly/, 10_000);
      await waitUntil(() => temporalAnswers(address), 90_000, 'the Temporal server did not come back');

      const ended = [...new Set(PIPELINES.flatMap((pipeline) => [...pipeline.terminalStatuses, 'failed']))];
      await waitUntil(async () => {
        const [open] = await sql<{ n: number }[]>`select count(*)::int as n from jobs where status <> all(${ended})`;
        return open?.n === 0;
      }, 300_000, 'jobs did not all end');
      await providers.whatsapp.settled();
      const checks = await checkRun(sql, providers, context.cancelRequested);
      assert.deepEqual(checks.failures, []);
      for (const pipeline of PIPELINES) assert.equal(checks.outcomes.get(pipeline.name)?.get(pipeline.terminalStatuses[0]!), 1, `${pipeline.name} ended ${pipeline.terminalStatuses[0]}`);

      // The killed worker's stage finished on another worker process.
      const events = (await client.workflow.getHandle(victim!.workflowId).fetchHistory()).events ?? [];
      const scheduledAs = new Map(events.filter((event) => event.activityTaskScheduledEventAttributes).map((event) => [String(event.eventId), event.activityTaskScheduledEventAttributes?.activityType?.name]));
      const lastStart = events
        .map((event) => event.activityTaskStartedEventAttributes)
        .filter((started) => started && scheduledAs.get(String(started.scheduledEventId)) === victim!.activity)
        .at(-1);
      assert.ok(lastStart?.identity && !lastStart.identity.startsWith(`${victim!.pid}@`), `${victim!.activity} of ${victim!.workflowId} last ran on ${lastStart?.identity}, not the killed ${victim!.pid}`);

      // The Web UI's API and page list the Close-Up job by ReelflowPipeline.
      const [closeup] = await sql<{ workflow_id: string }[]>`select workflow_id from jobs where pipeline = 'closeup'`;
      const query = 'ReelflowPipeline="closeup"';
      const listed = (await (await fetch(`${uiUrl}/api/v1/namespaces/default/workflows?query=${encodeURIComponent(query)}`)).json()) as { executions?: { execution: { workflowId: string } }[] };
      const ids = (listed.executions ?? []).map((execution) => execution.execution.workflowId);
      assert.ok(ids.includes(closeup!.workflow_id), `the UI lists ${closeup!.workflow_id}`);
      const others = await sql<{ workflow_id: string }[]>`select workflow_id from jobs where pipeline <> 'closeup'`;
      assert.deepEqual(ids.filter((id) => others.some((other) => other.workflow_id === id)), [], 'and no job of another pipeline');
      const browser = await launchBrowser();
      try {
        const page = await browser.newPage();
        await page.goto(`${uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(query)}`);
        await page.getByText(closeup!.workflow_id).first().waitFor({ timeout: 30_000 });
      } finally {
        await browser.close();
      }
    } finally {
      await sql.end();
      await connection.close();
    }

    assert.equal(await supervisor.interrupt(), 0, `Ctrl-C stops start:cluster cleanly; output:\n${supervisor.output.slice(-2000)}`);
    assert.deepEqual(supervisor.children(/./), [], 'no child is left running');
  });
});
