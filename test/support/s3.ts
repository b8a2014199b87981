import { randomUUID } from 'node:crypto';

/** Config overrides that point the S3 backend at the test run's MinIO (see test/run.ts), in a fresh bucket. */
export function s3TestEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const endpoint = process.env.S3_TEST_ENDPOINT;
  const accessKey = process.env.S3_TEST_ACCESS_KEY;
  const secretKey = process.env.S3_TEST_SECRET_KEY;
  if (!endpoint || !accessKey || !secretKey) throw new Error('S3_TEST_* are not set: run tests with npm test');
  return {
    STORAGE_BACKEND: 's3',
    S3_ENDPOINT: endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    S3_REGION: 'us-east-1',
    S3_BUCKET: `test-${randomUUID().slice(0, 13)}`,
    AWS_ACCESS_KEY_ID: accessKey,
    AWS_SECRET_ACCESS_KEY: secretKey,
    ...overrides,
  };
}
