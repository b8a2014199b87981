import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { testConfig } from '../../test/support/harness.js';
import { ProviderError } from '../provider-error.js';
import { createStorage } from './create-storage.js';
import { InvalidStorageKeyError, isValidStorageKey, storageKey } from './keys.js';
import { LocalStorage } from './local.js';
import { checkMediaSignature } from './media-signature.js';

const scratch = await mkdtemp(join(process.env.REELFLOW_TEST_SCRATCH ?? tmpdir(), 'local-storage-'));
const config = testConfig({ MEDIA_ROOT: join(scratch, 'media'), PUBLIC_BASE_URL: 'https://media.example.test' });
const storage = createStorage(config);
assert.ok(storage instanceof LocalStorage);

describe('local storage', () => {
  it('round-trips buffers and files under MEDIA_ROOT', async () => {
    const bytes = randomBytes(300_000);
    const key = storageKey({ job: 7 }, 'final', 'mp4');
    assert.equal(await storage.exists(key), false);
    await storage.putBuffer(key, bytes, 'video/mp4');
    assert.equal(await storage.exists(key), true);
    assert.deepEqual(await storage.getBuffer(key), bytes);
    assert.deepEqual(await readFile(join(scratch, 'media', key)), bytes);

    const source = join(scratch, 'source.bin');
    await writeFile(source, bytes.subarray(0, 1000));
    const fileKey = storageKey({ job: 7 }, 'thumb', 'jpg');
    await storage.putFile(fileKey, source, 'image/jpeg');
    const copy = join(scratch, 'nested', 'copy.jpg');
    await storage.getToFile(fileKey, copy);
    assert.deepEqual(await readFile(copy), bytes.subarray(0, 1000));
  });

  it('replaces an object whole and leaves no temporary files behind', async () => {
    const key = storageKey({ job: 8 }, 'final', 'mp4');
    await storage.putBuffer(key, Buffer.from('first version'), 'video/mp4');
    await storage.putBuffer(key, Buffer.from('second'), 'video/mp4');
    assert.equal((await storage.getBuffer(key)).toString(), 'second');
    assert.deepEqual(await readdir(join(scratch, 'media', 'jobs', '8')), [key.split('/').at(-1)]);
  });

  it('says which key is missing with a permanent error', async () => {
    const key = storageKey({ job: 9 }, 'final', 'mp4');
    await assert.rejects(storage.getBuffer(key), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.equal(error.code, 'LOCAL_STORAGE_NO_SUCH_KEY');
      assert.equal(error.retryable, false);
      return true;
    });
    await assert.rejects(storage.getToFile(key, join(scratch, 'never.mp4')), { code: 'LOCAL_STORAGE_NO_SUCH_KEY' });
    assert.deepEqual((await readdir(scratch)).filter((name) => name.includes('never')), []);
  });

  it('deletes an object, and a missing one without complaint', async () => {
    const key = storageKey({ job: 11 }, 'final', 'mp4');
    const kept = storageKey({ job: 11 }, 'thumb', 'jpg');
    await storage.putBuffer(key, Buffer.from('going'), 'video/mp4');
    await storage.putBuffer(kept, Buffer.from('staying'), 'image/jpeg');
    await storage.delete(key);
    assert.equal(await storage.exists(key), false);
    // No file, so the media route answers the signed URL 404 (api/media/media.test.ts).
    assert.equal(await storage.stat(key), undefined);
    await assert.rejects(storage.getBuffer(key), { code: 'LOCAL_STORAGE_NO_SUCH_KEY' });
    await storage.delete(key);
    await storage.delete(storageKey({ job: 12 }, 'final', 'mp4'));
    assert.equal((await storage.getBuffer(kept)).toString(), 'staying');
  });

  it('refuses keys that could leave the store or that the app would not generate', async () => {
    const bad = ['../escape.mp4', 'jobs/../../etc/passwd', '/etc/passwd', 'jobs//x.mp4', 'jobs/./x.mp4', 'jobs/x.mp4/', 'a b.mp4', 'a\\b.mp4', 'jobs/%2e%2e/x', '', 'ü.mp4', 'x'.repeat(600)];
    for (const key of bad) {
      assert.equal(isValidStorageKey(key), false, key);
      await assert.rejects(storage.putBuffer(key, Buffer.from('x'), 'text/plain'), InvalidStorageKeyError, key);
      await assert.rejects(storage.getBuffer(key), InvalidStorageKeyError, key);
      await assert.rejects(storage.signedUrl(key), InvalidStorageKeyError, key);
      await assert.rejects(storage.delete(key), InvalidStorageKeyError, key);
    }
    assert.deepEqual(await readdir(scratch).then((names) => names.filter((name) => name === 'escape.mp4')), []);
  });

  it('generates distinct job-scoped keys and refuses odd parts', () => {
    const first = storageKey({ job: 42 }, 'lipsync', '.MP4');
    assert.match(first, /^jobs\/42\/lipsync-[0-9a-f-]{36}\.mp4$/);
    assert.notEqual(storageKey({ job: 42 }, 'lipsync', 'mp4'), first);
    assert.throws(() => storageKey({ job: 42 }, '../x', 'mp4'), InvalidStorageKeyError);
    assert.throws(() => storageKey({ job: 42 }, 'final', 'mp4/../x'), InvalidStorageKeyError);
    assert.throws(() => storageKey({ job: -1 }, 'final', 'mp4'), InvalidStorageKeyError);
  });

  it('signs URLs for the API media route with an expiry', async () => {
    const key = storageKey({ job: 10 }, 'final', 'mp4');
    const before = Math.floor(Date.now() / 1000);
    const url = new URL(await storage.signedUrl(key, 600));
    assert.equal(url.origin, 'https://media.example.test');
    assert.equal(url.pathname, `/media/${key}`);
    const expires = Number(url.searchParams.get('expires'));
    assert.ok(expires >= before + 600 && expires <= before + 601, `expires ${expires}`);
    const signature = url.searchParams.get('signature') ?? '';
    assert.equal(checkMediaSignature(key, expires, signature, config.MEDIA_SIGNING_KEY), 'valid');
    assert.equal(checkMediaSignature(storageKey({ job: 10 }, 'final', 'mp4'), expires, signature, config.MEDIA_SIGNING_KEY), 'invalid');
    assert.equal(checkMediaSignature(key, expires, signature, randomBytes(32)), 'invalid');
  });
});
