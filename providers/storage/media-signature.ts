import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed, expiring media URLs for the local store: `signature` is the hex HMAC-SHA256, keyed with
 * MEDIA_SIGNING_KEY, of `<key>\n<expires>` (expires in Unix seconds). The newline keeps the two
 * fields from running into each other.
 */

export function mediaSignature(key: string, expires: number, secret: Buffer): string {
  return createHmac('sha256', secret).update(`${key}\n${expires}`).digest('hex');
}

export type SignatureCheck = 'valid' | 'expired' | 'invalid';

export function checkMediaSignature(
  key: string,
  expires: number,
  signature: string,
  secret: Buffer,
  nowSeconds = Math.floor(Date.now() / 1000),
): SignatureCheck {
  const expected = Buffer.from(mediaSignature(key, expires, secret), 'hex');
  const given = /^[0-9a-f]{64}$/i.test(signature) ? Buffer.from(signature, 'hex') : Buffer.alloc(0);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
  return expires > nowSeconds ? 'valid' : 'expired';
}

/** The path and query of a signed URL; the caller prefixes its public base URL. */
export function signedMediaPath(key: string, ttlSeconds: number, secret: Buffer, nowSeconds = Math.floor(Date.now() / 1000)): string {
  const expires = nowSeconds + Math.max(1, Math.floor(ttlSeconds));
  const path = key.split('/').map(encodeURIComponent).join('/');
  return `/media/${path}?expires=${expires}&signature=${mediaSignature(key, expires, secret)}`;
}
