import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';

/** A user of the signed-in products (generation, library, feed): not one of Close-Up's phone users. */
export interface SignedInUser {
  /** The token's `sub`: the Supabase user id, a UUID in lowercase. */
  id: string;
  email: string | null;
  role: string | null;
}

export type TokenProblem =
  | 'missing'
  | 'malformed'
  | 'expired'
  | 'not_yet_valid'
  | 'missing_expiry'
  | 'bad_signature'
  | 'wrong_audience'
  | 'wrong_issuer'
  | 'unknown_key'
  | 'unsupported_algorithm'
  | 'no_subject'
  | 'bad_subject';

/** Supabase user ids (a token's `sub`) are UUIDs. */
export const USER_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Why a token was refused, in words a client developer can act on (answered as 401). */
export class TokenError extends Error {
  override readonly name = 'TokenError';
  constructor(
    readonly problem: TokenProblem,
    message: string,
  ) {
    super(message);
  }
}

/** The signing keys could not be fetched: the token may be fine (answered as 503). */
export class KeySetUnavailableError extends Error {
  override readonly name = 'KeySetUnavailableError';
}

export interface TokenVerifierOptions {
  /** `https://<project>.supabase.co`: JWKS at `{url}/auth/v1/.well-known/jwks.json`, issuer `{url}/auth/v1`. */
  supabaseUrl?: string | undefined;
  /** The legacy HS256 secret (or the development one). */
  hs256Secret?: Uint8Array | undefined;
  /** Expected `aud` (Supabase: `authenticated`). */
  audience: string;
  /** Tolerance for `exp`/`nbf`/`iat`, seconds (Supabase docs suggest 30–60). */
  clockToleranceSeconds?: number;
  /** Minimum time between JWKS refetches on an unknown `kid`, ms (default 30 s). */
  jwksCooldownMs?: number;
}

const ASYMMETRIC = ['ES256', 'RS256'];

/**
 * Verifies Supabase access tokens with jose: ES256/RS256 against the project's JWKS (cached; an
 * unknown `kid` refetches at most once per cooldown), HS256 against the legacy secret — each
 * algorithm only against its own kind of key, so a token cannot pick a weaker path. Checks `aud`,
 * `iss` (when the project URL is known) and `exp` (required, as Supabase always sets it) with the
 * clock tolerance. Resolves the user: `sub`, a UUID, lowercased so any spelling is the same user;
 * throws TokenError (401) or KeySetUnavailableError (503).
 * Facts from Supabase's JWT docs (signing keys, late 2026): JWKS at /auth/v1/.well-known/jwks.json
 * lists only asymmetric keys and is edge-cached about 10 minutes.
 */
export function createTokenVerifier(options: TokenVerifierOptions): (token: string | undefined) => Promise<SignedInUser> {
  const base = options.supabaseUrl?.replace(/\/+$/, '');
  const issuer = base ? `${base}/auth/v1` : undefined;
  const jwks = base
    ? createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`), { cooldownDuration: options.jwksCooldownMs ?? 30_000, cacheMaxAge: 10 * 60_000, timeoutDuration: 5_000 })
    : undefined;
  const common = { audience: options.audience, clockTolerance: options.clockToleranceSeconds ?? 60, requiredClaims: ['exp'], ...(issuer ? { issuer } : {}) };

  return async (token) => {
    if (!token) throw new TokenError('missing', 'A Bearer access token is required (Authorization: Bearer <token>).');
    let algorithm: string | undefined;
    try {
      algorithm = decodeProtectedHeader(token).alg;
    } catch {
      throw new TokenError('malformed', 'The access token is not a JWT.');
    }
    let payload: JWTPayload;
    try {
      if (algorithm === 'HS256' && options.hs256Secret) {
        ({ payload } = await jwtVerify(token, options.hs256Secret, { ...common, algorithms: ['HS256'] }));
      } else if (algorithm && ASYMMETRIC.includes(algorithm) && jwks) {
        ({ payload } = await jwtVerify(token, jwks, { ...common, algorithms: ASYMMETRIC }));
      } else {
        throw new TokenError('unsupported_algorithm', `Tokens signed with ${algorithm ?? 'no algorithm'} are not accepted here.`);
      }
    } catch (error) {
      throw explain(error);
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') throw new TokenError('no_subject', 'The access token names no user (sub).');
    if (!USER_ID_PATTERN.test(payload.sub)) throw new TokenError('bad_subject', 'The access token’s user (sub) is not a Supabase user id (a UUID).');
    return {
      id: payload.sub.toLowerCase(),
      email: typeof payload.email === 'string' ? payload.email : null,
      role: typeof payload.role === 'string' ? payload.role : null,
    };
  };
}

function explain(error: unknown): Error {
  if (error instanceof TokenError) return error;
  if (error instanceof errors.JWTExpired) return new TokenError('expired', 'The access token has expired; refresh the session and retry.');
  if (error instanceof errors.JWSSignatureVerificationFailed) return new TokenError('bad_signature', 'The access token’s signature is not valid.');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return new TokenError('wrong_audience', 'The access token is for another audience.');
    if (error.claim === 'iss') return new TokenError('wrong_issuer', 'The access token was issued by another project.');
    if (error.claim === 'nbf' && error.reason === 'check_failed') return new TokenError('not_yet_valid', 'The access token is not valid yet (nbf); check the clock of whatever issued it.');
    if (error.claim === 'exp' && error.reason === 'missing') return new TokenError('missing_expiry', 'The access token has no expiry (exp); only session access tokens, which expire, are accepted.');
    return new TokenError('malformed', `The access token’s ${error.claim} claim is not valid.`);
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return new TokenError('unknown_key', 'The access token was signed with a key this project does not publish.');
  }
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || (error instanceof Error && error.name === 'TypeError')) {
    return new KeySetUnavailableError(`The project's signing keys could not be fetched: ${(error as Error).message}`);
  }
  // jose's generic error for a JWKS answer other than 200 OK.
  if (error instanceof errors.JOSEError && /JSON Web Key Set/.test(error.message)) return new KeySetUnavailableError(`The project's signing keys could not be fetched: ${error.message}`);
  if (error instanceof errors.JOSEError) return new TokenError('malformed', `The access token is not valid: ${error.message}`);
  return error instanceof Error ? error : new Error(String(error));
}
