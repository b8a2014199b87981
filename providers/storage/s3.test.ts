import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { before, describe, it } from 'node:test';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { testConfig } from '../../test/support/harness.js';
import { freePort } from '../../test/support/ports.js';
import { isProviderError } from '../../test/support/provider-errors.js';
import { s3TestEnv } from '../../test/support/s3.js';
import { createS3Storage, createStorage } from './create-storage.js';
import { InvalidStorageKeyError, storageKey } from './keys.js';
import { S3Storage } from './s3.js';

const scratch = await mkdtemp(join(process.env.REELFLOW_TEST_SCRATCH ?? tmpdir(), 's3-storage-'));
const config = testConfig(s3TestEnv());
const storage = createStorage(config);
assert.ok(storage instanceof S3Storage);

describe('S3 storage against MinIO', () => {
  before(async () => {
    await storage.ensureBucket();
    await storage.ensureBucket(); // idempotent: dev and test setup call it on every start
  });

  it('round-trips a small buffer', async () => {
    const key = storageKey({ job: 1 }, 'portrait', 'jpg');
    const bytes = randomBytes(2048);
    assert.equal(await storage.exists(key), false);
    await storage.putBuffer(key, bytes, 'image/jpeg');
    assert.equal(await storage.exists(key), true);
    assert.deepEqual(await storage.getBuffer(key), bytes);
  });

  it('uploads a large file in parts and downloads it to a file', async () => {
    const bytes = randomBytes(12 * 1024 * 1024 + 12345);
    const source = join(scratch, 'large.mp4');
    await writeFile(source, bytes);
    const key = storageKey({ job: 2 }, 'final', 'mp4');
    await storage.putFile(key, source, 'video/mp4');

    const head = await storage.client.send(new HeadObjectCommand({ Bucket: config.S3_BUCKET, Key: key }));
    assert.equal(head.ContentLength, bytes.length);
    assert.equal(head.ContentType, 'video/mp4');
    // A multipart object's ETag ends in -<part count>: 12 MB in 8 MB parts is two.
    assert.match(head.ETag ?? '', /-2"$/);

    const target = join(scratch, 'downloaded', 'large.mp4');
    await storage.getToFile(key, target);
    assert.ok((await readFile(target)).equals(bytes));
  });

  it('hands out a presigned URL that plain fetch can read until it expires', async () => {
    const key = storageKey({ job: 3 }, 'final', 'mp4');
    const bytes = randomBytes(5000);
    await storage.putBuffer(key, bytes, 'video/mp4');

    const response = await fetch(await storage.signedUrl(key, 600));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'video/mp4');
    assert.ok(Buffer.from(await response.arrayBuffer()).equals(bytes));

    const shortLived = await storage.signedUrl(key, 1);
    await sleep(2100);
    const expired = await fetch(shortLived);
    assert.equal(expired.status, 403);
    assert.match(await expired.text(), /expired/i);
  });

  it('deletes an object (gone, its presigned URL 404) and a missing one without complaint', async () => {
    const key = storageKey({ job: 6 }, 'final', 'mp4');
    await storage.putBuffer(key, randomBytes(1000), 'video/mp4');
    const url = await storage.signedUrl(key, 600);
    assert.equal((await fetch(url)).status, 200);

    await storage.delete(key);
    assert.equal(await storage.exists(key), false);
    const gone = await fetch(url);
    assert.equal(gone.status, 404);
    assert.match(await gone.text(), /NoSuchKey/);
    await storage.delete(key);
    await storage.delete(storageKey({ job: 6 }, 'never', 'mp4'));
    await assert.rejects(storage.delete('../escape.mp4'), InvalidStorageKeyError);
  });

  it('caps presigned URLs at the SigV4 maximum of seven days', async () => {
    const url = new URL(await storage.signedUrl(storageKey({ job: 3 }, 'final', 'mp4'), 30 * 24 * 3600));
    assert.equal(url.searchParams.get('X-Amz-Expires'), String(7 * 24 * 3600));
  });

  it('reports a missing object and a missing bucket as permanent errors', async () => {
    await assert.rejects(storage.getBuffer(storageKey({ job: 4 }, 'final', 'mp4')), isProviderError('S3_NoSuchKey', false));
    const noBucket = createS3Storage(testConfig(s3TestEnv()));
    await assert.rejects(noBucket.putBuffer(storageKey({ job: 4 }, 'final', 'mp4'), Buffer.from('x'), 'video/mp4'), isProviderError('S3_NoSuchBucket', false));
  });

  it('reports bad credentials as permanent and an unreachable server as retryable', async () => {
    const wrongKey = createS3Storage(testConfig(s3TestEnv({ S3_BUCKET: config.S3_BUCKET, AWS_SECRET_ACCESS_KEY: 'not-the-secret' })));
    await assert.rejects(wrongKey.getBuffer(storageKey({ job: 5 }, 'final', 'mp4')), isProviderError('S3_SignatureDoesNotMatch', false));

    const down = createS3Storage(testConfig(s3TestEnv({ S3_ENDPOINT: `http://127.0.0.1:${await freePort()}` })));
    await assert.rejects(down.putBuffer(storageKey({ job: 5 }, 'final', 'mp4'), Buffer.from('x'), 'video/mp4'), isProviderError('S3_NETWORK', true));
  });
});
