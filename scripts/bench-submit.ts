/**
 * Submission benchmark, self-contained: its own Temporal dev server (in memory), its own throwaway
 * database (dropped at the end), the real API (api/main.ts) and the real worker (worker/main.ts)
 * as child processes on loopback. In one run against one server it measures
 *   (a) POST /api/v1/video/submit over HTTP keep-alive: distinct new numbers, so every request
 *       creates a user, starts a workflow and texts an OTP (console sender) it then waits for;
 *   (b) bare client.workflow.start(closeupSubmissionWorkflow) with equivalent inputs (users and job
 *       ids made beforehand, untimed), at the same concurrency;
 *   (c) the worker's memory (forced GC, settled) before and after `--parked` more workflows wait
 *       for their OTP.
 * (a) and (b) run in ABBA order (half of n each round) so neither profits from going first.
 *
 *   npx tsx scripts/bench-submit.ts [--n 300] [--concurrency 16] [--parked 1000] [--photo-side 480]
 *
 *   --n            submissions per side (API and bare), default 300
 *   --concurrency  requests / starts in flight, default 16
 *   --parked       workflows added between the two memory samples, default 1000 (the timed
 *                  submissions count towards it; the rest are submitted through the API)
 *   --photo-side   short side of the selfie JPEG (4:3 portrait), default 480
 *   --cpu-prof DIR write a V8 CPU profile of the API process to DIR (open it in Chrome DevTools)
 * Needs PostgreSQL at DATABASE_URL (its server; the database name is replaced) and the Temporal CLI
 * at TEMPORAL_CLI or .tools/bin/temporal (scripts/ensure-tools.sh builds it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { createSql, type Sql } from '../db/client.js';
import { dropDatabase, ensureDatabase } from '../db/ensure-database.js';
import { migrate } from '../db/migrations.js';
import { loadConfig } from '../lib/config.js';
import { encryptPhone, phoneIndex } from '../lib/phone-crypto.js';
import { generateTrackingToken, hashTrackingToken } from '../lib/secrets.js';
import { ensureSearchAttributes } from '../lib/temporal.js';
import { storageKey } from '../providers/storage/keys.js';
import type { CloseupInput } from '../workflows/closeup/contract.js';
import { closeupSubmissionWorkflow } from '../workflows/closeup/submission.js';
import { closeupStartOptions } from '../api/closeup/submission.js';
import { buildWorkflowBundle } from '../worker/workflow-bundle.js';
import { texturedJpeg } from '../test/support/images.js';
import { freePort } from '../test/support/ports.js';

const { values: flags } = parseArgs({
  options: {
    n: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '16' },
    parked: { type: 'string', default: '1000' },
    'photo-side': { type: 'string', default: '480' },
    'cpu-prof': { type: 'string' },
  },
});
const n = Number(flags.n);
const concurrency = Number(flags.concurrency);
const parkedTarget = Number(flags.parked);
const photoSide = Number(flags['photo-side']);
for (const [name, value] of Object.entries({ n, concurrency, parked: parkedTarget, 'photo-side': photoSide })) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive whole number`);
}

const root = resolve(import.meta.dirname, '..');
const ANSWERS = { gender: 'female', attribute_love: 'Smile', relationship_status: 'Dating', vibe: 'Romance' };
const WARMUP = Math.min(20, n);

// ---------------------------------------------------------------------------------------------
// Figures

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;

interface Run {
  latencies: number[];
  wallMs: number;
  failures: number;
  firstFailure?: string;
}

function summary(runs: Run[]) {
  const latencies = runs.flatMap((run) => run.latencies).sort((a, b) => a - b);
  const wallMs = runs.reduce((sum, run) => sum + run.wallMs, 0);
  return {
    count: latencies.length,
    perSecond: latencies.length / (wallMs / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    failures: runs.reduce((sum, run) => sum + run.failures, 0),
    firstFailure: runs.find((run) => run.firstFailure)?.firstFailure,
  };
}

/** Runs `task(0..count-1)` with `concurrency` in flight; each task times its own critical part. */
async function pool(count: number, task: (index: number) => Promise<number>): Promise<Run> {
  const run: Run = { latencies: [], wallMs: 0, failures: 0 };
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const index = next++;
        try {
          run.latencies.push(await task(index));
        } catch (error) {
          run.failures += 1;
          run.firstFailure ??= (error as Error).message;
        }
      }
    }),
  );
  run.wallMs = performance.now() - started;
  return run;
}

/** What scripts/bench-memory-probe.mjs answers. */
interface MemorySample extends NodeJS.MemoryUsage {
  threadHeapUsed: number;
  threads: number;
  gcForced: boolean;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

// ---------------------------------------------------------------------------------------------
// Child processes

interface Child {
  process: ChildProcess;
  /** The last lines it wrote, shown when it dies early. */
  output: () => string;
}

function startChild(name: string, args: string[], env: NodeJS.ProcessEnv): Child {
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let tail = '';
  const keep = (chunk: Buffer) => void (tail = (tail + chunk.toString()).slice(-8000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('exit', (code, signal) => {
    if (!stopping) console.error(`${name} exited early (${signal ?? code}):\n${tail}`);
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

async function memoryOf(child: Child): Promise<MemorySample & { vmRss: number; vmHwm: number }> {
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

type CpuSnapshot = Map<string, Map<number, number>>;

const CPU_PARTS = ['api', 'worker', 'temporal', 'postgres', 'bench'] as const;

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    const exited = [api, worker].find((child) => child && child.process.exitCode !== null);
    if (exited) throw new Error(`a child process exited while waiting for ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

// ---------------------------------------------------------------------------------------------
// Setup

let stopping = false;
const scratch = await mkdtemp(join(tmpdir(), 'reelflow-bench-'));
const databaseUrl = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/reelflow');
databaseUrl.pathname = `/reelflow_bench_${process.pid}_${Date.now().toString(36)}`;
const taskQueue = `bench-submit-${process.pid}`;
const [temporalPort, apiPort] = await Promise.all([freePort(), freePort()]);

let environment: TestWorkflowEnvironment | undefined;
let sql: Sql | undefined;
let api: Child | undefined;
let worker: Child | undefined;
let connection: Connection | undefined;

async function teardown() {
  stopping = true;
  await Promise.all([stopChild(api), stopChild(worker)]);
  await connection?.close().catch(() => undefined);
  await sql?.end({ timeout: 5 }).catch(() => undefined);
  await environment?.teardown().catch((error: unknown) => console.error(`temporal teardown: ${(error as Error).message}`));
  await dropDatabase(databaseUrl.toString()).catch((error: unknown) => console.error(`database teardown: ${(error as Error).message}`));
  await rm(scratch, { recursive: true, force: true });
}
process.once('SIGINT', () => void teardown().finally(() => process.exit(130)));

try {
  const setupStarted = performance.now();
  const [env, , bundlePath, photo] = await Promise.all([
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: process.env.TEMPORAL_CLI ?? join(root, '.tools/bin/temporal') },
        ip: '127.0.0.1',
        port: temporalPort,
        ui: false,
        log: { format: 'pretty', level: 'error' },
      },
    }),
    (async () => {
      await ensureDatabase(databaseUrl.toString());
      const migrator = createSql(databaseUrl.toString(), { max: 1 });
      await migrate(migrator).finally(() => migrator.end());
    })(),
    buildWorkflowBundle(join(scratch, 'workflow-bundle.js')),
    texturedJpeg(photoSide, Math.round((photoSide * 4) / 3)),
  ]);
  environment = env;
  await ensureSearchAttributes(env.connection, 'default');

  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl.toString(),
    TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
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
  };
  const config = loadConfig(childEnv);
  sql = createSql(config.DATABASE_URL, { max: 4 });
  connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: 'default' });

  worker = startChild('worker', ['--expose-gc', '--import', 'tsx', '--import', './scripts/bench-memory-probe.mjs', 'worker/main.ts'], childEnv);
  const profile = flags['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${resolve(flags['cpu-prof'])}`] : [];
  api = startChild('api', [...profile, '--import', 'tsx', 'api/main.ts'], childEnv);
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
  console.log(
    `submit benchmark: n=${n} per side, concurrency ${concurrency}, selfie ${photoSide}x${Math.round((photoSide * 4) / 3)} JPEG ${(photo.length / 1024).toFixed(0)} KB, ` +
      `setup ${((performance.now() - setupStarted) / 1000).toFixed(1)} s (Temporal dev server in memory, database ${databaseUrl.pathname.slice(1)})`,
  );

  const temporalPids = await childPidsNamed('temporal');
  /** CPU used so far by every process taking part, per pid (PostgreSQL: this database's backends). */
  const cpuSnapshot = async (): Promise<CpuSnapshot> => {
    const backends = await sql!<{ pid: number }[]>`select pid from pg_stat_activity where datname = current_database()`;
    const pids: Record<(typeof CPU_PARTS)[number], number[]> = {
      api: [api!.process.pid!],
      worker: [worker!.process.pid!],
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
  const cpuSpent = { api: new Map<string, number>(), bare: new Map<string, number>() };
  const measured = async <T>(side: 'api' | 'bare', body: () => Promise<T>): Promise<T> => {
    const start = await cpuSnapshot();
    const result = await body();
    const end = await cpuSnapshot();
    for (const part of CPU_PARTS) {
      let spent = 0;
      for (const [pid, ms] of end.get(part)!) spent += ms - (start.get(part)!.get(pid) ?? 0);
      cpuSpent[side].set(part, (cpuSpent[side].get(part) ?? 0) + spent);
    }
    return result;
  };

  // Distinct new numbers: 9 followed by 9 digits, from a random start so reruns never meet.
  let nextNumber = randomInt(0, 500_000_000);
  const freshMobile = () => `9${String(nextNumber++).padStart(9, '0')}`;
  let started = 0;

  // The multipart body is encoded once; requests differ by their number only, so the load generator stays cheap.
  const boundary = `----reelflow-bench-${randomBytes(8).toString('hex')}`;
  const field = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const formTail = Buffer.concat([
    Buffer.from(Object.entries(ANSWERS).map(([name, value]) => field(name, value)).join('')),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="photo"; filename="selfie.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
    photo,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const submitViaApi = async () => {
    const body = Buffer.concat([Buffer.from(field('mobile_number', freshMobile())), formTail]);
    const began = performance.now();
    const response = await fetch(`${apiUrl}/api/v1/video/submit`, { method: 'POST', body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
    const answer = (await response.json()) as { status?: string };
    const ms = performance.now() - began;
    if (response.status !== 200 || answer.status !== 'otp_sent') throw new Error(`HTTP ${response.status}: ${JSON.stringify(answer)}`);
    started += 1;
    return ms;
  };

  /** Users and job ids for bare starts, made beforehand so the timed part is the start call alone. */
  const prepareBare = async (count: number): Promise<CloseupInput[]> => {
    const keys = { encryptionKey: config.PHONE_ENCRYPTION_KEY, indexKey: config.PHONE_HASH_KEY };
    const rows = Array.from({ length: count }, () => {
      const e164 = `+91${freshMobile()}`;
      return { phone_index: phoneIndex(keys, e164), phone_encrypted: encryptPhone(keys, e164) };
    });
    const users = await sql!<{ id: string }[]>`insert into users ${sql!(rows)} returning id`;
    const ids = await sql!<{ id: number; key: string }[]>`select nextval(pg_get_serial_sequence('jobs', 'id'))::bigint as id, gen_random_uuid()::text as key from generate_series(1, ${count})`;
    // The first code's reservation, as the API makes it: the workflow then texts it, as on the API path.
    const otps = await sql!<{ id: number }[]>`
      insert into user_otp ${sql!(users.map((user, index) => ({ user_id: user.id, job_id: ids[index]!.id, max_attempts: config.OTP_MAX_ATTEMPTS })))} returning id`;
    return users.map((user, index) => {
      const { id: jobId, key } = ids[index]!;
      return {
        otpId: otps[index]!.id,
        job: { id: jobId, key },
        userId: user.id,
        needsOtp: true,
        otpExpiryMs: config.OTP_EXPIRY_MINUTES * 60_000,
        selfieKey: storageKey({ job: jobId }, 'selfie', 'jpg'),
        answers: ANSWERS,
        trackingTokenHash: hashTrackingToken(generateTrackingToken()).toString('hex'),
      };
    });
  };
  const startBare = async (input: CloseupInput) => {
    const began = performance.now();
    await client.workflow.start(closeupSubmissionWorkflow, closeupStartOptions(input, taskQueue));
    const ms = performance.now() - began;
    started += 1;
    return ms;
  };
  const bareRun = async (count: number) => {
    const inputs = await prepareBare(count);
    return pool(count, (index) => startBare(inputs[index]!));
  };

  /** Every started workflow has run its first activities and waits for its OTP. */
  const settled = () =>
    waitFor(
      'the worker to park every workflow',
      async () => {
        const [row] = await sql!<{ jobs: number; unsent: number }[]>`
          select (select count(*)::int from video_jobs where status = 'awaiting_otp') as jobs,
                 (select count(*)::int from user_otp where sent_at is null) as unsent`;
        return row!.jobs === started && row!.unsent === 0;
      },
      600_000,
    ).then(() => sleep(2000));

  // Warm-up: JIT, connection pools, the worker's workflow context; then the memory baseline.
  await pool(WARMUP, submitViaApi);
  await bareRun(WARMUP);
  await settled();
  const parkedBefore = started;
  const before = await memoryOf(worker);

  const half = Math.floor(n / 2);
  const apiRuns: Run[] = [];
  const bareRuns: Run[] = [];
  for (const [side, count] of [['api', half], ['bare', half], ['bare', n - half], ['api', n - half]] as const) {
    if (side === 'api') apiRuns.push(await measured('api', () => pool(count, submitViaApi)));
    else {
      const inputs = await prepareBare(count);
      bareRuns.push(await measured('bare', () => pool(count, (index) => startBare(inputs[index]!))));
    }
  }

  // Top up through the API to `--parked` workflows more than at the baseline.
  const topUp = Math.max(0, parkedTarget - (started - parkedBefore));
  if (topUp > 0) await pool(topUp, submitViaApi);
  await settled();
  const after = await memoryOf(worker);
  const parkedAdded = started - parkedBefore;

  const apiFigures = summary(apiRuns);
  const bareFigures = summary(bareRuns);
  const row = (name: string, figures: ReturnType<typeof summary>) =>
    `  ${name.padEnd(34)} ${String(figures.count).padStart(5)} ${figures.perSecond.toFixed(1).padStart(9)} ${figures.p50.toFixed(1).padStart(9)} ${figures.p99.toFixed(1).padStart(9)} ${String(figures.failures).padStart(6)}`;
  console.log('');
  console.log(`  ${'submissions'.padEnd(34)} ${'count'.padStart(5)} ${'per s'.padStart(9)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)} ${'failed'.padStart(6)}`);
  console.log(row('(a) POST /api/v1/video/submit', apiFigures));
  console.log(row('(b) bare client.workflow.start', bareFigures));
  const ratio = apiFigures.perSecond / bareFigures.perSecond;
  console.log(`  API / bare rate: ${ratio.toFixed(2)}  (goal >= 0.80: ${ratio >= 0.8 ? 'met' : 'NOT met'})`);
  for (const failure of [apiFigures.firstFailure, bareFigures.firstFailure].filter(Boolean)) console.log(`  first failure: ${failure}`);

  console.log('');
  console.log(`  ${'CPU ms per submission, by process'.padEnd(34)} ${[...CPU_PARTS, 'total'].map((part) => part.padStart(9)).join('')}`);
  for (const [side, name, count] of [['api', '(a) API', apiFigures.count], ['bare', '(b) bare', bareFigures.count]] as const) {
    const perSubmission = CPU_PARTS.map((part) => (cpuSpent[side].get(part) ?? 0) / count);
    const cells = [...perSubmission, perSubmission.reduce((sum, ms) => sum + ms, 0)].map((ms) => ms.toFixed(1).padStart(9));
    console.log(`  ${name.padEnd(34)} ${cells.join('')}`);
  }
  console.log(`  (the timed windows only; worker and PostgreSQL work that a submission causes may land partly after its window)`);

  const growth = after.rss - before.rss;
  console.log('');
  console.log(`  ${'worker memory (forced GC, settled)'.padEnd(34)} ${'before'.padStart(10)} ${'after'.padStart(10)} ${'growth'.padStart(10)}`);
  console.log(`  ${'RSS'.padEnd(34)} ${mb(before.rss).padStart(10)} ${mb(after.rss).padStart(10)} ${mb(growth).padStart(10)}`);
  console.log(`  ${'heap used, main thread'.padEnd(34)} ${mb(before.heapUsed).padStart(10)} ${mb(after.heapUsed).padStart(10)} ${mb(after.heapUsed - before.heapUsed).padStart(10)}`);
  console.log(`  ${`heap used, workflow thread${after.threads === 1 ? '' : 's'} (${after.threads})`.padEnd(34)} ${mb(before.threadHeapUsed).padStart(10)} ${mb(after.threadHeapUsed).padStart(10)} ${mb(after.threadHeapUsed - before.threadHeapUsed).padStart(10)}`);
  console.log(`  ${'external + array buffers'.padEnd(34)} ${mb(before.external).padStart(10)} ${mb(after.external).padStart(10)} ${mb(after.external - before.external).padStart(10)}`);
  console.log(`  ${'peak RSS (VmHWM)'.padEnd(34)} ${mb(before.vmHwm).padStart(10)} ${mb(after.vmHwm).padStart(10)}`);
  console.log(
    `  ${parkedAdded} workflows parked on their OTP between the samples (${parkedBefore} before), ${(growth / 1024 / parkedAdded).toFixed(1)} KB RSS each; ` +
      `goal < 100 MB growth for 1000: ${growth * (1000 / parkedAdded) < 100 * 1024 * 1024 ? 'met' : 'NOT met'}${before.gcForced ? '' : ' (GC could not be forced)'}`,
  );
} finally {
  await teardown();
}
