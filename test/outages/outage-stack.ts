import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { createApp } from '../../api/app.js';
import { OUTAGE_RETRY_AFTER_SECONDS, type Dependency } from '../../api/lib/dependency-errors.js';
import { createAppDeps } from '../../api/lib/deps.js';
import { createSql } from '../../db/client.js';
import { dropDatabase, ensureDatabase } from '../../db/ensure-database.js';
import { migrate } from '../../db/migrations.js';
import { signAccessToken } from '../../lib/auth/development-token.js';
import { createTemporalClient } from '../../lib/temporal.js';
import { folderStorage } from '../support/folder-storage.js';
import { temporalClient, testConfig, uniqueTaskQueue } from '../support/harness.js';
import { texturedJpeg } from '../support/images.js';
import { hostPort, tcpGate } from './tcp-gate.js';

export interface Answer {
  status: number;
  retryAfter: string | null;
  body: Record<string, unknown>;
}

/** A 503 for an unreachable dependency: Retry-After, the error shape, the seconds and the dependency named in the body. */
export function assertOutageAnswer(answer: Answer, dependency: Dependency): void {
  assert.equal(answer.status, 503, JSON.stringify(answer.body));
  assert.equal(answer.retryAfter, String(OUTAGE_RETRY_AFTER_SECONDS));
  assert.equal(answer.body.error, 'ServiceUnavailable');
  assert.equal(answer.body.statusCode, 503);
  assert.equal(typeof answer.body.message, 'string');
  assert.equal(answer.body.retry_after_seconds, OUTAGE_RETRY_AFTER_SECONDS);
  assert.deepEqual(answer.body.details, { dependency, retry_after_seconds: OUTAGE_RETRY_AFTER_SECONDS });
}

/**
 * The API as api/main.ts builds it (createSql, createTemporalClient) with its PostgreSQL and its
 * Temporal server each behind a tcpGate the test closes and opens: `postgres` and `temporal`. The
 * database is a migrated one of its own and objects go to a folder of its own, so rowCounts() and
 * objects() see this stack's writes only; workflows() counts the starts on its task queue. No
 * worker runs: the answers looked at here do not wait for one.
 */
export async function startOutageStack() {
  const base = testConfig();
  const databaseUrl = new URL(base.DATABASE_URL);
  databaseUrl.pathname = `${databaseUrl.pathname}_outage_${randomUUID().slice(0, 8)}`;
  const database = databaseUrl.toString();
  await ensureDatabase(database);
  const direct = createSql(database, { max: 2 });
  await migrate(direct);

  const postgres = await tcpGate(hostPort(`${databaseUrl.hostname}:${databaseUrl.port || '5432'}`));
  const temporal = await tcpGate(hostPort(base.TEMPORAL_ADDRESS));
  const gatedUrl = new URL(database);
  gatedUrl.host = postgres.address;
  const config = testConfig({ DATABASE_URL: gatedUrl.toString(), TEMPORAL_ADDRESS: temporal.address, TEMPORAL_TASK_QUEUE: uniqueTaskQueue('outage') });

  const mediaRoot = await mkdtemp(join(tmpdir(), 'reelflow-outage-'));
  const sql = createSql(config.DATABASE_URL, { max: 5 });
  const client = createTemporalClient(config);
  const deps = createAppDeps(config, { logger: pino({ level: 'silent' }), sql, temporal: client, storage: folderStorage(mediaRoot) });
  const app = createApp(deps);
  const observer = await temporalClient(base);
  const photo = await texturedJpeg(900, 1200);

  async function answer(response: Response): Promise<Answer> {
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as Record<string, unknown> };
  }

  return {
    config,
    app,
    postgres,
    temporal,
    /** The stack's database, not through the gate. */
    direct,

    /** POST /api/v1/video/submit with the Close-Up form and a real selfie. */
    async submitCloseup(mobile: string): Promise<Answer> {
      const form = new FormData();
      for (const [name, value] of Object.entries({ mobile_number: mobile, gender: 'female', attribute_love: 'Smile', relationship_status: 'Dating', vibe: 'Romance' })) form.set(name, value);
      form.set('photo', new Blob([new Uint8Array(photo)], { type: 'image/jpeg' }), 'selfie.jpg');
      return answer(await app.request('/api/v1/video/submit', { method: 'POST', body: form }));
    },

    /** POST /videos/generate as a signed-in user (a short 480p text-to-video job). */
    async generate(userId: string): Promise<Answer> {
      const token = await signAccessToken({ secret: config.SUPABASE_JWT_SECRET!, userId, audience: config.SUPABASE_JWT_AUDIENCE });
      return answer(
        await app.request('/videos/generate', {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ prompt: 'A lighthouse in a storm', duration: 'short', resolution: 'sd_480p' }),
        }),
      );
    },

    async get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
      return answer(await app.request(path, { headers }));
    },

    /** Rows in every table of the stack's database, by table. */
    async rowCounts(): Promise<Record<string, number>> {
      const tables = await direct<{ name: string }[]>`
        select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`;
      const counts: Record<string, number> = {};
      for (const { name } of tables) {
        const [row] = await direct.unsafe<{ n: number }[]>(`select count(*)::int as n from "${name}"`);
        counts[name] = row?.n ?? 0;
      }
      return counts;
    },

    /** Every object the API stored, by key. */
    async objects(): Promise<string[]> {
      const entries = await readdir(mediaRoot, { recursive: true, withFileTypes: true });
      return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name).slice(mediaRoot.length + 1)).sort();
    },

    /**
     * Workflows started on the stack's task queue, once `atLeast` of them are visible (the
     * visibility store lags a start by moments).
     */
    async workflows(atLeast = 0): Promise<number> {
      for (let tries = 0; ; tries++) {
        const { count } = await observer.workflow.count(`TaskQueue = '${config.TEMPORAL_TASK_QUEUE}'`);
        if (count >= atLeast || tries >= 100) return count;
        await sleep(100);
      }
    },

    async stop(): Promise<void> {
      await deps.hub.close();
      await client.connection.close();
      await observer.connection.close();
      await sql.end({ timeout: 1 });
      await postgres.close();
      await temporal.close();
      await direct.end();
      await dropDatabase(database);
      await rm(mediaRoot, { recursive: true, force: true });
    },
  };
}

export type OutageStack = Awaited<ReturnType<typeof startOutageStack>>;
