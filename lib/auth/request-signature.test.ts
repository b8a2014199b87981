import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { bodyDigest, canonicalString, signRequest, signaturesEqual, verifyRequestSignature, type VerifyInput, type VerifyOptions } from './request-signature.js';

const SECRET = 'a-request-signing-secret-of-32-chars-or-more';
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const NOW = 1_760_000_000_000;
const TTL = 120;

function signed(overrides: Partial<VerifyInput> = {}, secret = SECRET): VerifyInput {
  const parts = { timestamp: String(NOW / 1000), method: 'POST', pathWithQuery: '/feed/videos/create', body: '{"prompt":"a cat"}' };
  return { ...parts, signature: signRequest(secret, parts), ...overrides };
}

describe('request signature: the canonical string', () => {
  it('is timestamp, upper-case method, path with query and the hex SHA-256 of the body, joined by newlines', () => {
    const body = '{"prompt":"a cat"}';
    const digest = createHash('sha256').update(body).digest('hex');
    assert.equal(
      canonicalString({ timestamp: 1760000000, method: 'post', pathWithQuery: '/feed/videos/create?dry=1', body }),
      `1760000000\nPOST\n/feed/videos/create?dry=1\n${digest}`,
    );
    assert.equal(bodyDigest(''), EMPTY_SHA256);
    assert.equal(bodyDigest(new Uint8Array()), EMPTY_SHA256);
    // Bytes and their UTF-8 string are the same body.
    assert.equal(bodyDigest(new TextEncoder().encode('héllo ✓')), bodyDigest('héllo ✓'));
  });

  it('signs with HMAC-SHA256 of the secret as UTF-8, in lower-case hex (a known vector)', () => {
    const parts = { timestamp: '1760000000', method: 'DELETE', pathWithQuery: '/feed/videos/1', body: '' };
    const expected = createHmac('sha256', Buffer.from(SECRET, 'utf8')).update(`1760000000\nDELETE\n/feed/videos/1\n${EMPTY_SHA256}`).digest('hex');
    assert.equal(signRequest(SECRET, parts), expected);
    assert.match(expected, /^[0-9a-f]{64}$/);
    // Pinned (computed with openssl dgst, as docs/ shows), so a change to the canonical string is noticed.
    const pinned = { timestamp: 1700000000, method: 'POST', pathWithQuery: '/feed/videos/create', body: '{"prompt":"A cat playing piano"}' };
    assert.equal(signRequest('0123456789abcdef0123456789abcdef', pinned), 'ca219c9481adc00e69d1dc8b62a7625a6788997543a1553fc5161e11dc4bb474');
  });
});

describe('request signature: constant-time comparison', () => {
  const a = signRequest(SECRET, { timestamp: 1, method: 'POST', pathWithQuery: '/x', body: '' });
  it('is true for the same bytes in any case, false for any differing digit', () => {
    assert.equal(signaturesEqual(a, a), true);
    assert.equal(signaturesEqual(a, a.toUpperCase()), true);
    for (const at of [0, 31, 63]) {
      const flipped = a.slice(0, at) + (a[at] === '0' ? '1' : '0') + a.slice(at + 1);
      assert.equal(signaturesEqual(a, flipped), false, `digit ${at}`);
    }
  });
  it('is false, without throwing, for other lengths and non-hex (timingSafeEqual would throw on unequal lengths)', () => {
    for (const given of ['', a.slice(0, 62), `${a}00`, `${a.slice(0, 63)}g`, 'zz'.repeat(32)]) {
      assert.equal(signaturesEqual(a, given), false, JSON.stringify(given));
    }
  });
});

describe('request signature: verification', () => {
  const options = { secret: SECRET, ttlSeconds: TTL, now: NOW };
  const problem = async (input: VerifyInput, extra: Partial<VerifyOptions> = {}) => {
    const check = await verifyRequestSignature(input, { ...options, ...extra });
    return check.ok ? 'ok' : check.problem;
  };

  it('accepts a signed request within the window either way, and says when it expires', async () => {
    const check = await verifyRequestSignature(signed(), options);
    assert.deepEqual(check, { ok: true, signature: signed().signature, expiresAt: new Date(NOW + TTL * 1000) });
    assert.equal(await problem(signed(), { now: NOW + TTL * 1000 }), 'ok');
    assert.equal(await problem(signed(), { now: NOW - TTL * 1000 }), 'ok');
  });

  it('refuses older than the TTL as expired and newer as future', async () => {
    assert.equal(await problem(signed(), { now: NOW + TTL * 1000 + 1000 }), 'expired');
    assert.equal(await problem(signed(), { now: NOW - TTL * 1000 - 1000 }), 'future');
  });

  it('refuses missing and malformed headers', async () => {
    assert.equal(await problem(signed({ timestamp: undefined })), 'missing');
    assert.equal(await problem(signed({ signature: undefined })), 'missing');
    assert.equal(await problem(signed({ signature: '  ' })), 'missing');
    for (const timestamp of ['1760000000.5', '-1760000000', '1e9', '01760000000', 'now', '1760000000000000']) {
      assert.equal(await problem(signed({ timestamp })), 'malformed', timestamp);
    }
    for (const signature of ['abc', `${signed().signature}0`, `sha256=${signed().signature}`, signed().signature!.replace(/./, 'x')]) {
      assert.equal(await problem(signed({ signature })), 'malformed', signature);
    }
  });

  it('refuses anything changed after signing, or another secret, as bad_signature', async () => {
    assert.equal(await problem(signed({ body: '{"prompt":"a dog"}' })), 'bad_signature');
    assert.equal(await problem(signed({ pathWithQuery: '/feed/videos/other' })), 'bad_signature');
    assert.equal(await problem(signed({ pathWithQuery: '/feed/videos/create?x=1' })), 'bad_signature');
    assert.equal(await problem(signed({ method: 'PUT' })), 'bad_signature');
    assert.equal(await problem(signed({ timestamp: String(NOW / 1000 + 1) })), 'bad_signature');
    assert.equal(await problem(signed({}, 'another-secret-that-is-32-characters-long')), 'bad_signature');
  });

  it('records each verified signature once, in lower case, and refuses it again as replayed', async () => {
    const seen = new Map<string, Date>();
    const firstUse = async (signature: string, expiresAt: Date) => {
      if (seen.has(signature)) return false;
      seen.set(signature, expiresAt);
      return true;
    };
    const input = signed();
    assert.equal(await problem(input, { firstUse }), 'ok');
    assert.equal(await problem(input, { firstUse }), 'replayed');
    assert.equal(await problem({ ...input, signature: input.signature!.toUpperCase() }, { firstUse }), 'replayed');
    assert.deepEqual([...seen], [[input.signature, new Date(NOW + TTL * 1000)]]);
    // Refused requests are never recorded.
    await problem(signed({ body: 'tampered' }), { firstUse });
    await problem(signed(), { firstUse, now: NOW + 10 * TTL * 1000 });
    assert.equal(seen.size, 1);
  });
});
