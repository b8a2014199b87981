import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCloseupStack, type CloseupStack } from '../../test/support/closeup-stack.js';
import { pool } from './figures.js';
import { benchInfra } from './infra.js';
import { transitionsOf, type Transition } from './transition-profile.js';

/**
 * Close-Up jobs from submit to `sent` on a stack of their own (benchInfra: Temporal dev server in
 * memory, throwaway database), with the real app and a real worker in this process and the local
 * providers (test/support/closeup-stack.ts): each job is submitted, its console OTP read and
 * verified at once, and followed until it is sent, with `inFlight` jobs at a time.
 * `render: false` copies one rendered lip-sync clip (instant provider); `true` renders every clip.
 *
 * Two readings of the finished jobs:
 *  - orchestration per stage transition, from each submission workflow's history
 *    (scripts/bench/transition-profile.ts): from the end of one stage's work to the next one's
 *    activity scheduled (status recorded, event published, next activity scheduled) — the OTP
 *    signal to the photo check, photo to lip-sync, lip-sync to stitching, stitching to the
 *    delivery workflow — with where that time went;
 *  - the share of the jobs' time spent in each status, from the engine's event log (job_events).
 */

export interface CloseupRunOptions {
  jobs: number;
  inFlight: number;
  render: boolean;
}

export interface CloseupRunFigures {
  sent: number;
  failures: number;
  firstFailure: string | undefined;
  /** From the first submission to the last job sent. */
  wallMs: number;
  transitions: Transition[];
  /** Milliseconds spent in each status, summed over the jobs, in the order first seen. */
  timeInStatus: Map<string, number>;
  /** CPU time of this process (API, worker and bench in one) over the run, ms. */
  cpuMs: number;
}

/** Waits for the console OTP texted to `mobile` since `since` (ms epoch); the console sender logs the last four digits. */
async function codeFor(stack: CloseupStack, mobile: string, since: number): Promise<string> {
  const to = `+91******${mobile.slice(-4)}`;
  const deadline = Date.now() + 300_000;
  for (;;) {
    const found = stack.inbox.messages.filter((message) => message.to === to && message.at >= since).at(-1);
    if (found) return found.code;
    if (Date.now() > deadline) throw new Error(`no OTP for ${to} in 300 s`);
    await sleep(25);
  }
}

export async function measureCloseupRun(options: CloseupRunOptions): Promise<CloseupRunFigures> {
  const infra = await benchInfra();
  let stack: CloseupStack | undefined;
  try {
    const { temporal, bundlePath, databaseUrl } = await infra.start();
    stack = await startCloseupStack({
      renderMedia: options.render,
      env: {
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        DATABASE_URL: databaseUrl,
        TEMPORAL_ADDRESS: temporal.address,
        TEMPORAL_NAMESPACE: 'default',
        WORKFLOW_BUNDLE_PATH: bundlePath,
        MEDIA_ROOT: join(infra.scratch, 'media'),
        STORAGE_BACKEND: 'local',
        SMS_PROVIDER: 'console',
        PHOTO_VALIDATOR: 'local',
        LIPSYNC_PROVIDER: 'local',
        WHATSAPP_PROVIDER: 'outbox',
      },
    });
    const running = stack;
    // Consecutive numbers: jobs in flight never share the last four digits the console sender shows.
    const base = randomInt(0, 90_000) * 10_000;
    const jobIds: number[] = [];
    const cpuBefore = process.cpuUsage();
    const run = await pool(options.inFlight, options.jobs, async (index) => {
      const mobile = `9${String(base + index).padStart(9, '0')}`;
      const began = Date.now();
      const submitted = await running.submit({ mobile_number: mobile });
      if (submitted.status !== 200 || submitted.body.status !== 'otp_sent') throw new Error(`submit: HTTP ${submitted.status} ${JSON.stringify(submitted.body)}`);
      const jobId = submitted.body.job_id as number;
      const verified = await running.verify(mobile, await codeFor(running, mobile, began));
      if (verified.status !== 200) throw new Error(`verify: HTTP ${verified.status} ${JSON.stringify(verified.body)}`);
      const status = await running.waitForStatus(jobId, ['sent', 'failed'], 600_000);
      if (status !== 'sent') throw new Error(`job ${jobId} ended ${status}`);
      jobIds.push(jobId);
      return Date.now() - began;
    });
    const cpu = process.cpuUsage(cpuBefore);

    const rows = await running.sql<{ job_id: number; status: string; at: Date; workflow_id: string; run_id: string }[]>`
      select e.job_id::int as job_id, e.status, e.created_at as at, j.workflow_id, j.run_id
      from job_events e join jobs j on j.id = e.job_id
      where e.job_id in ${running.sql(jobIds)} and e.kind = 'status'
      order by e.job_id, e.seq`;
    const timeInStatus = new Map<string, number>();
    const runs = new Map<number, { workflowId: string; runId: string }>();
    rows.forEach((row, index) => {
      runs.set(row.job_id, { workflowId: row.workflow_id, runId: row.run_id });
      const next = rows[index + 1];
      if (next?.job_id !== row.job_id) return;
      timeInStatus.set(row.status, (timeInStatus.get(row.status) ?? 0) + (next.at.getTime() - row.at.getTime()));
    });
    const transitions: Transition[] = [];
    for (const { workflowId, runId } of runs.values()) {
      const history = await running.temporal.workflow.getHandle(workflowId, runId).fetchHistory();
      transitions.push(...transitionsOf(history.events ?? []));
    }
    return { sent: jobIds.length, failures: run.failures, firstFailure: run.firstFailure, wallMs: run.wallMs, transitions, timeInStatus, cpuMs: (cpu.user + cpu.system) / 1000 };
  } finally {
    await stack?.stop().catch((error: unknown) => console.error(`close-up stack: ${(error as Error).message}`));
    await infra.teardown();
  }
}
