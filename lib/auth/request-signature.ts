import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Request signing for the feed's mutating requests (REQUEST_SIGNATURE_SECRET): an HMAC-SHA256 over
 * a canonical string, sent as two headers.
 *
 *   X-InstaVeo-Timestamp: <Unix seconds, decimal digits, no sign or leading zeros>
 *   X-InstaVeo-Signature: <hex HMAC-SHA256(secret, canonical string)>   (64 hex digits, any case)
 *
 * The canonical string is four lines joined by "\n" (no trailing newline):
 *
 *   ${timestamp}\n${METHOD}\n${pathWithQuery}\n${hex SHA-256 of the raw body bytes}
 *
 * - timestamp: the X-InstaVeo-Timestamp header exactly as sent.
 * - METHOD: the HTTP method in upper case (POST, PUT, PATCH, DELETE).
 * - pathWithQuery: the request's path and query relative to the host, including the feed's base
 *   path (e.g. `/feed/videos/create` or `/feed/videos/feed?limit=20`), as a WHATWG URL serialises
 *   them (`url.pathname + url.search`): what fetch and axios send. So `/a?` signs as `/a`, and a
 *   space in a path is `%20`. No fragment.
 * - the body digest: lower-case hex SHA-256 of the body bytes exactly as sent (an empty body:
 *   e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855).
 *
 * The secret is used as UTF-8 bytes. A signature is accepted once, within REQUEST_SIGNATURE_TTL_SECONDS
 * of the server's clock either way.
 */

export const TIMESTAMP_HEADER = 'X-InstaVeo-Timestamp';
export const SIGNATURE_HEADER = 'X-InstaVeo-Signature';

/** What a signature covers. */
export interface SignedParts {
  /** Unix seconds; a string is used as written (it is what the header carries). */
  timestamp: number | string;
  method: string;
  /** Path and query relative to the host, base path included: `/feed/videos/create?x=1`. */
  pathWithQuery: string;
  /** The raw body; a string is taken as UTF-8. Empty for a request without a body. */
  body: Uint8Array | string;
}

/** Why a request's signature is refused. `replayed`: the same signature was accepted before. */
export type SignatureProblem = 'missing' | 'malformed' | 'expired' | 'future' | 'bad_signature' | 'replayed';

export type SignatureCheck =
  | { ok: true; signature: string; expiresAt: Date }
  | { ok: false; problem: SignatureProblem; message: string };

const TIMESTAMP = /^(0|[1-9]\d{0,11})$/;
const HEX_SIGNATURE = /^[0-9a-f]{64}$/i;

/** Lower-case hex SHA-256 of the body bytes (a string as UTF-8). */
export function bodyDigest(body: Uint8Array | string): string {
  return createHash('sha256').update(body).digest('hex');
}

/** The canonical string (see the module comment): timestamp, METHOD, path with query, body digest, joined by "\n". */
export function canonicalString(parts: SignedParts): string {
  return [String(parts.timestamp), parts.method.toUpperCase(), parts.pathWithQuery, bodyDigest(parts.body)].join('\n');
}

/** The X-InstaVeo-Signature value for a request: lower-case hex HMAC-SHA256(secret, canonical string). */
export function signRequest(secret: string, parts: SignedParts): string {
  return createHmac('sha256', secret).update(canonicalString(parts)).digest('hex');
}

/**
 * Whether two hex signatures are the same bytes, in time independent of where they differ:
 * crypto.timingSafeEqual on equal-length buffers. False (without comparing) when either is not
 * 64 hex digits; case does not matter.
 */
export function signaturesEqual(expectedHex: string, givenHex: string): boolean {
  if (!HEX_SIGNATURE.test(expectedHex) || !HEX_SIGNATURE.test(givenHex)) return false;
  return timingSafeEqual(Buffer.from(expectedHex, 'hex'), Buffer.from(givenHex, 'hex'));
}

export interface VerifyInput {
  /** The X-InstaVeo-Timestamp header (undefined when absent). */
  timestamp: string | undefined;
  /** The X-InstaVeo-Signature header (undefined when absent). */
  signature: string | undefined;
  method: string;
  pathWithQuery: string;
  body: Uint8Array | string;
}

export interface VerifyOptions {
  secret: string;
  /** How far the timestamp may be from `now`, either way (REQUEST_SIGNATURE_TTL_SECONDS). */
  ttlSeconds: number;
  /** Epoch milliseconds; default Date.now(). */
  now?: number;
  /**
   * Records a verified signature (lower-case hex) until `expiresAt` (its timestamp + ttl, after
   * which the window refuses it anyway); true when it was not recorded before. Called only for a
   * signature whose HMAC and window check passed. Without it, replays are not detected.
   */
  firstUse?: (signature: string, expiresAt: Date) => Promise<boolean>;
}

const refuse = (problem: SignatureProblem, message: string): SignatureCheck => ({ ok: false, problem, message });

/**
 * Checks a request's signature headers: `missing` (either header absent or empty), `malformed`
 * (timestamp not Unix seconds, signature not 64 hex digits), `expired` / `future` (timestamp more
 * than ttlSeconds before / after now), `bad_signature` (HMAC mismatch, compared in constant time),
 * `replayed` (firstUse says it was seen). The window is checked after the HMAC, so only the secret's
 * holders learn about the clock. Rejects only when firstUse does.
 */
export async function verifyRequestSignature(input: VerifyInput, options: VerifyOptions): Promise<SignatureCheck> {
  const timestamp = input.timestamp?.trim();
  const given = input.signature?.trim();
  if (!timestamp || !given) return refuse('missing', `Mutating requests must carry ${TIMESTAMP_HEADER} and ${SIGNATURE_HEADER}`);
  if (!TIMESTAMP.test(timestamp)) return refuse('malformed', `${TIMESTAMP_HEADER} must be Unix seconds`);
  if (!HEX_SIGNATURE.test(given)) return refuse('malformed', `${SIGNATURE_HEADER} must be a hex HMAC-SHA256 (64 hex digits)`);

  const expected = signRequest(options.secret, { timestamp, method: input.method, pathWithQuery: input.pathWithQuery, body: input.body });
  if (!signaturesEqual(expected, given)) return refuse('bad_signature', `${SIGNATURE_HEADER} does not match the request`);

  const seconds = Number(timestamp);
  const skew = (options.now ?? Date.now()) / 1000 - seconds;
  if (skew > options.ttlSeconds) return refuse('expired', `${TIMESTAMP_HEADER} is more than ${options.ttlSeconds} s old; sign the request again`);
  if (skew < -options.ttlSeconds) return refuse('future', `${TIMESTAMP_HEADER} is more than ${options.ttlSeconds} s ahead of the server's clock`);

  const signature = given.toLowerCase();
  const expiresAt = new Date((seconds + options.ttlSeconds) * 1000);
  if (options.firstUse && !(await options.firstUse(signature, expiresAt))) {
    return refuse('replayed', 'This signature was already used; sign every request afresh');
  }
  return { ok: true, signature, expiresAt };
}
