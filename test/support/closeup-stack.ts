import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { pino } from 'pino';
import { createApp } from '../../api/app.js';
import { createAppDeps } from '../../api/lib/deps.js';
import { findOrCreateUser } from '../../api/closeup/users.js';
import type { Providers } from '../../providers/index.js';
import type { Sql } from '../../db/client.js';
import type { Config } from '../../lib/config.js';
import { phoneIndex } from '../../lib/phone-crypto.js';
import type { JobStatus } from '../../workflows/closeup/contract.js';
import { restartableWorker, temporalClient, testActivities, testConfig, testSql, uniqueTaskQueue } from './harness.js';
import { createOtpInbox } from './otp-inbox.js';
import { texturedJpeg } from './images.js';
import { instantLipsync } from './instant-lipsync.js';

export interface SubmitForm {
  mobile_number: string;
  gender?: string;
  attribute_love?: string;
  relationship_status?: string;
  vibe?: string;
  photo?: Buffer | Blob;
}

export interface JsonResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/** A fresh Indian mobile number per call, so tests never share a user. */
export function freshMobile(): string {
  return `9${String(randomInt(0, 1_000_000_000)).padStart(9, '0')}`;
}

/**
 * The Close-Up stack in one test process: the real Hono app, a real worker on its own task queue,
 * real PostgreSQL, the local providers (ffmpeg render, folder storage, outbox) and the console OTP
 * sender, whose log lines are the test's SMS inbox.
 */
export async function startCloseupStack(
  options: {
    env?: Record<string, string>;
    providers?: Partial<Providers> | ((configured: Providers) => Partial<Providers>);
    worker?: boolean;
    /** Render every lip-sync clip with ffmpeg instead of copying one rendered clip. */
    renderMedia?: boolean;
  } = {},
) {
  const config: Config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueTaskQueue('closeup'), ...options.env });
  const sql: Sql = testSql(config);
  const inbox = createOtpInbox();
  // Rendering is not what these tests test: the local lip-sync clip is rendered once per process.
  const instant = options.renderMedia || config.LIPSYNC_PROVIDER !== 'local' ? {} : { lipsync: instantLipsync(config) };
  const { activities, providers } = await testActivities({
    sql,
    config,
    logger: inbox.logger,
    providers: (configured) => ({ ...instant, ...(typeof options.providers === 'function' ? options.providers(configured) : options.providers) }),
  });
  const temporal: Client = await temporalClient(config);
  const deps = createAppDeps(config, { logger: pino({ level: 'silent' }), sql, temporal, storage: providers.storage, photoValidator: providers.photoValidator });
  const app = createApp(deps);

  const worker = restartableWorker(config, activities);
  const startWorker = worker.start;
  const stopWorker = worker.stop;
  if (options.worker !== false) await startWorker();

  const photo = await texturedJpeg(900, 1200);

  async function json<T>(response: Response): Promise<JsonResponse<T>> {
    return { status: response.status, body: (await response.json()) as T };
  }

  return {
    config,
    sql,
    temporal,
    deps,
    app,
    inbox,
    providers,
    startWorker,
    stopWorker,

    async submit(form: SubmitForm): Promise<JsonResponse> {
      const body = new FormData();
      const fields = { gender: 'male', attribute_love: 'Smile', relationship_status: 'Dating', vibe: 'Romance', ...form };
      for (const [name, value] of Object.entries(fields)) {
        if (name === 'photo' || value === undefined) continue;
        body.set(name, value as string);
      }
      const file = form.photo ?? photo;
      body.set('photo', file instanceof Blob ? file : new Blob([new Uint8Array(file)], { type: 'image/jpeg' }), 'selfie.jpg');
      return json(await app.request('/api/v1/video/submit', { method: 'POST', body }));
    },

    async postJson(path: string, payload: unknown): Promise<JsonResponse> {
      return json(await app.request(path, { method: 'POST', body: JSON.stringify(payload), headers: { 'content-type': 'application/json' } }));
    },

    verify(mobile: string, otp: string) {
      return this.postJson('/api/v1/auth/verify-otp', { mobile_number: mobile, otp });
    },

    /** A number that has proven itself by OTP, with no job yet (the seed's "verified, video count 0"). */
    async verifiedMobile(): Promise<string> {
      const mobile = freshMobile();
      const user = await findOrCreateUser(sql, { encryptionKey: config.PHONE_ENCRYPTION_KEY, indexKey: config.PHONE_HASH_KEY }, `+91${mobile}`);
      await sql`update user_verification set is_verified = true, verified_at = now() where user_id = ${user.id}`;
      return mobile;
    },

    /** The newest code texted to this number (masked as the console sender logs it). */
    codeFor(mobile: string, after = 0) {
      return inbox.waitForCode(`+91******${mobile.slice(-4)}`, after);
    },

    async job(jobId: number, token: string): Promise<JsonResponse> {
      return json(await app.request(`/api/v1/video/jobs/${jobId}?tracking_token=${encodeURIComponent(token)}`));
    },

    async admin(path: string, init: RequestInit = {}): Promise<JsonResponse> {
      return json(await app.request(path, { ...init, headers: { authorization: `Bearer ${config.ADMIN_TOKEN}`, ...init.headers } }));
    },

    async jobStatus(jobId: number): Promise<JobStatus | undefined> {
      const [row] = await sql<{ status: JobStatus }[]>`select status from video_jobs where id = ${jobId}`;
      return row?.status;
    },

    /** Polls the read model until the job reaches one of `statuses`. */
    async waitForStatus(jobId: number, statuses: JobStatus[], timeoutMs = 120_000): Promise<JobStatus> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const status = await this.jobStatus(jobId);
        if (status && statuses.includes(status)) return status;
        if (Date.now() > deadline) throw new Error(`job ${jobId} is ${status}, never reached ${statuses.join('/')}`);
        await sleep(100);
      }
    },

    /** Waits until the job's workflow run has closed (it closes just after the job's last status). */
    async runClosed(jobId: number): Promise<void> {
      const [row] = await sql<{ workflow_id: string; run_id: string }[]>`select workflow_id, run_id from video_jobs where id = ${jobId}`;
      if (!row) throw new Error(`no job ${jobId}`);
      await temporal.workflow.getHandle(row.workflow_id, row.run_id).result().catch(() => undefined);
    },

    async jobsOfMobile(mobile: string): Promise<number> {
      const rows = await sql`
        select count(*)::int as n from video_jobs j join users u on u.id = j.user_id
        where u.phone_index = ${phoneIndex({ encryptionKey: config.PHONE_ENCRYPTION_KEY, indexKey: config.PHONE_HASH_KEY }, `+91${mobile}`)}`;
      return (rows[0]?.n as number) ?? 0;
    },

    async stop() {
      await stopWorker();
      await deps.hub.close();
      await temporal.connection.close();
      await sql.end();
    },
  };
}

export type CloseupStack = Awaited<ReturnType<typeof startCloseupStack>>;
