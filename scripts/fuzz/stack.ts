import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import type { Client } from '@temporalio/client';
import type { Sql } from '../../db/client.js';
import { signAccessToken } from '../../lib/auth/development-token.js';
import type { Config } from '../../lib/config.js';
import { startMinio, type MinioServer } from '../../test/support/minio.js';
import { benchStack } from '../bench/stack.js';

const root = resolve(import.meta.dirname, '../..');

/** What the fuzzer aims at and what it inspects: the API's URL, credentials that pass its auth, and the stores behind it. */
export interface FuzzTarget {
  apiUrl: string;
  config: Config;
  sql: Sql;
  /** A client of the target's own Temporal server: every workflow in it was started by this API. */
  temporal: Client;
  s3: S3Client;
  bucket: string;
  /** The configured admin token. */
  adminToken: string;
  /** A valid development (Supabase-shaped) access token for `userId`. */
  userToken: string;
  userId: string;
}

/**
 * The fuzzer's own world on free ports: a Temporal dev server in memory, a throwaway database, the
 * real API and worker as child processes (scripts/bench/stack.ts), storing in a fresh MinIO bucket —
 * the test run's MinIO when S3_TEST_* are set (npm test), else a MinIO server of its own.
 * Never touches a developer's running `npm start`. Call `stop()` in a finally.
 */
export async function startFuzzTarget(): Promise<{ target: FuzzTarget; stop(): Promise<void> }> {
  let minio: MinioServer | undefined;
  let minioScratch: string | undefined;
  const fromRun = process.env.S3_TEST_ENDPOINT && process.env.S3_TEST_ACCESS_KEY && process.env.S3_TEST_SECRET_KEY;
  if (!fromRun) {
    minioScratch = await mkdtemp(join(tmpdir(), 'reelflow-fuzz-minio-'));
    minio = await startMinio({ bin: process.env.MINIO_BIN ?? join(root, '.tools/bin/minio'), dataDir: minioScratch });
  }
  const endpoint = minio?.endpoint ?? process.env.S3_TEST_ENDPOINT!;
  const accessKeyId = minio?.accessKey ?? process.env.S3_TEST_ACCESS_KEY!;
  const secretAccessKey = minio?.secretKey ?? process.env.S3_TEST_SECRET_KEY!;
  const bucket = `fuzz-${randomUUID().slice(0, 13)}`;
  const stack = await benchStack({
    env: {
      STORAGE_BACKEND: 's3',
      S3_ENDPOINT: endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      S3_REGION: 'us-east-1',
      S3_BUCKET: bucket,
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
      // The webhook answers 503 until configured; configured, its signature checks are what gets fuzzed.
      WHATSAPP_APP_SECRET: 'fuzz-webhook-app-secret',
      WHATSAPP_VERIFY_TOKEN: 'fuzz-webhook-verify-token',
    },
  });
  const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } });
  const stop = async () => {
    s3.destroy();
    await stack.teardown();
    await minio?.stop();
    if (minioScratch) await rm(minioScratch, { recursive: true, force: true });
  };
  try {
    const { config, sql, client, apiUrl } = await stack.start();
    const userId = randomUUID();
    const userToken = await signAccessToken({ secret: config.SUPABASE_JWT_SECRET!, userId, audience: config.SUPABASE_JWT_AUDIENCE });
    const target: FuzzTarget = {
      apiUrl,
      config,
      sql,
      temporal: client,
      s3,
      bucket,
      adminToken: config.ADMIN_TOKEN,
      userToken,
      userId,
    };
    return { target, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
