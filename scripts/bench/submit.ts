import { randomBytes, randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { encryptPhone, phoneIndex } from '../../lib/phone-crypto.js';
import { generateTrackingToken, hashTrackingToken } from '../../lib/secrets.js';
import { decodePhoto } from '../../lib/media/image-intake.js';
import { storageKey } from '../../providers/storage/keys.js';
import type { CloseupInput } from '../../workflows/closeup/contract.js';
import { closeupSubmissionWorkflow } from '../../workflows/closeup/submission.js';
import { closeupStartOptions } from '../../api/closeup/submission.js';
import { texturedJpeg } from '../../test/support/images.js';
import { cpuAccount, pool, summary, type Report, type Run } from './figures.js';
import { benchStack } from './stack.js';
import { atLeast, atMost, type Figure } from './table.js';

/**
 * Submission benchmark on a stack of its own (scripts/bench/stack.ts): its own Temporal dev server
 * (in memory), its own throwaway database, the real API and worker as child processes. In one run
 * against one server it measures
 *   (a) POST /api/v1/video/submit over HTTP keep-alive: distinct new numbers, so every request
 *       creates a user, starts a workflow and texts an OTP (console sender) it then waits for;
 *   (b) the submission's unavoidable work done bare in this process: the same photo through the
 *       intake's checks and normalisation (decodePhoto), then client.workflow.start with equivalent
 *       inputs (users and job ids made beforehand, untimed), at the same concurrency;
 *   (c) the worker's memory (forced GC, settled) before and after `parked` more workflows wait
 *       for their OTP.
 * (a) and (b) run in ABBA order (half of n each round) so neither profits from going first.
 */

export interface SubmitOptions {
  /** Submissions per side (API and bare). */
  n: number;
  /** Requests / starts in flight. */
  concurrency: number;
  /** Workflows added between the two memory samples (the timed ones count towards it). */
  parked: number;
  /** Short side of the selfie JPEG (4:3 portrait), pixels. */
  photoSide: number;
  /** Writes a V8 CPU profile of the API process here. */
  cpuProfileDir?: string;
}

const ANSWERS = { gender: 'female', attribute_love: 'Smile', relationship_status: 'Dating', vibe: 'Romance' };


export async function measureSubmit(options: SubmitOptions): Promise<Report> {
  const { n, concurrency, parked: parkedTarget, photoSide } = options;
  const warmup = Math.min(20, n);
  const stack = await benchStack();
  const { taskQueue, waitFor } = stack;
  const onInterrupt = () => void stack.teardown().finally(() => process.exit(130));
  process.once('SIGINT', onInterrupt);

  try {
    const setupStarted = performance.now();
    const [{ config, sql, client, apiUrl, cpuSnapshot, workerMemory }, photo] = await Promise.all([
      stack.start(options.cpuProfileDir),
      texturedJpeg(photoSide, Math.round((photoSide * 4) / 3)),
    ]);
    console.log(
      `submit benchmark: n=${n} per side, concurrency ${concurrency}, selfie ${photoSide}x${Math.round((photoSide * 4) / 3)} JPEG ${(photo.length / 1024).toFixed(0)} KB, ` +
        `setup ${((performance.now() - setupStarted) / 1000).toFixed(1)} s (Temporal dev server in memory, database ${stack.databaseName})`,
    );
    const { spent: cpuSpent, measured } = cpuAccount(cpuSnapshot);

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
      const users = await sql<{ id: string }[]>`insert into users ${sql(rows)} returning id`;
      const ids = await sql<{ id: number; key: string }[]>`select nextval(pg_get_serial_sequence('jobs', 'id'))::bigint as id, gen_random_uuid()::text as key from generate_series(1, ${count})`;
      // The first code's reservation, as the API makes it: the workflow then texts it, as on the API path.
      const otps = await sql<{ id: number }[]>`
        insert into user_otp ${sql(users.map((user, index) => ({ user_id: user.id, job_id: ids[index]!.id, max_attempts: config.OTP_MAX_ATTEMPTS })))} returning id`;
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
    // The unavoidable work of a submission, bare: the intake's checks and normalisation of the same photo, then the start.
    const startBare = async (input: CloseupInput) => {
      const began = performance.now();
      await decodePhoto(photo);
      await client.workflow.start(closeupSubmissionWorkflow, closeupStartOptions(input, taskQueue));
      const ms = performance.now() - began;
      started += 1;
      return ms;
    };
    const bareRun = async (count: number) => {
      const inputs = await prepareBare(count);
      return pool(concurrency, count, (index) => startBare(inputs[index]!));
    };

    /** Every started workflow has run its first activities and waits for its OTP. */
    const settled = () =>
      waitFor(
        'the worker to park every workflow',
        async () => {
          const [row] = await sql<{ jobs: number; unsent: number }[]>`
            select (select count(*)::int from video_jobs where status = 'awaiting_otp') as jobs,
                   (select count(*)::int from user_otp where sent_at is null) as unsent`;
          return row!.jobs === started && row!.unsent === 0;
        },
        600_000,
      ).then(() => sleep(2000));

    // Warm-up: JIT, connection pools, the worker's workflow context; then the memory baseline.
    await pool(concurrency, warmup, submitViaApi);
    await bareRun(warmup);
    await settled();
    const parkedBefore = started;
    const before = await workerMemory();

    const half = Math.floor(n / 2);
    const apiRuns: Run[] = [];
    const bareRuns: Run[] = [];
    for (const [side, count] of [['api', half], ['bare', half], ['bare', n - half], ['api', n - half]] as const) {
      if (side === 'api') apiRuns.push(await measured('api', () => pool(concurrency, count, submitViaApi)));
      else {
        const inputs = await prepareBare(count);
        bareRuns.push(await measured('bare', () => pool(concurrency, count, (index) => startBare(inputs[index]!))));
      }
    }

    // Top up through the API to `--parked` workflows more than at the baseline.
    const topUp = Math.max(0, parkedTarget - (started - parkedBefore));
    if (topUp > 0) await pool(concurrency, topUp, submitViaApi);
    await settled();
    const after = await workerMemory();
    const parkedAdded = started - parkedBefore;

    return { apiRuns, bareRuns, cpuSpent, before, after, parkedBefore, parkedAdded };
  } finally {
    process.off('SIGINT', onInterrupt);
    await stack.teardown();
  }
}

/** The submit and parked-memory lines of the bench table. */
export function submitFigures(report: Report, options: SubmitOptions): Figure[] {
  const command = `npx tsx scripts/bench-submit.ts --n ${options.n} --concurrency ${options.concurrency} --parked ${options.parked}`;
  const api = summary(report.apiRuns);
  const bare = summary(report.bareRuns);
  const ratio = api.perSecond / bare.perSecond;
  const growthMb = (report.after.rss - report.before.rss) / 1024 / 1024;
  const failures = api.failures + bare.failures;
  return [
    { name: 'submit: POST /api/v1/video/submit', value: `${api.perSecond.toFixed(1)}/s, p50 ${api.p50.toFixed(0)} ms`, goal: '-', verdict: failures ? `${failures} failed` : '-', command },
    { name: 'submit: intake + bare workflow.start', value: `${bare.perSecond.toFixed(1)}/s, p50 ${bare.p50.toFixed(0)} ms`, goal: '-', verdict: '-', command },
    { name: 'submit: API / bare rate', value: ratio.toFixed(2), goal: '>= 0.80', verdict: atLeast(ratio, 0.8), command },
    {
      name: `worker RSS growth, ${report.parkedAdded} parked`,
      value: `${growthMb.toFixed(0)} MB`,
      goal: '<= 100 MB for 1000',
      // Not scaled from fewer: the sticky cache (100 workflows) caps what parked workflows hold, so growth is not linear.
      verdict: report.parkedAdded >= 1000 ? atMost(growthMb, 100) : `not judged (${report.parkedAdded} < 1000 parked)`,
      command,
    },
  ];
}
