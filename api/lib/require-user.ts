import { createMiddleware } from 'hono/factory';
import { KeySetUnavailableError, TokenError, createTokenVerifier, type SignedInUser } from '../../lib/auth/supabase-token.js';
import type { Config } from '../../lib/config.js';
import { ApiError } from './errors.js';
import type { AppEnv } from './types.js';

/** The token verifier for this configuration (JWKS and/or HS256; see lib/auth/supabase-token.ts). */
export function userTokenVerifier(config: Pick<Config, 'SUPABASE_URL' | 'SUPABASE_JWT_SECRET' | 'SUPABASE_JWT_AUDIENCE'>) {
  return createTokenVerifier({
    supabaseUrl: config.SUPABASE_URL,
    hs256Secret: config.SUPABASE_JWT_SECRET ? new TextEncoder().encode(config.SUPABASE_JWT_SECRET) : undefined,
    audience: config.SUPABASE_JWT_AUDIENCE,
  });
}

/**
 * Routes of the signed-in products: `Authorization: Bearer <Supabase access token>`; the user is
 * `c.var.user`. 401 in the error shape saying what is wrong (details.problem: missing, expired,
 * bad_signature, wrong_audience, …); 503 when the project's keys cannot be fetched.
 */
export function requireUser(verify?: (token: string | undefined) => Promise<SignedInUser>) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    try {
      c.set('user', await (verify ?? c.var.deps.verifyUser)(token));
    } catch (error) {
      if (error instanceof TokenError) {
        c.header('WWW-Authenticate', `Bearer error="invalid_token"`);
        throw new ApiError(401, 'Unauthorized', error.message, { problem: error.problem });
      }
      if (error instanceof KeySetUnavailableError) throw new ApiError(503, 'ServiceUnavailable', 'Sign-in cannot be checked right now; please retry.');
      throw error;
    }
    await next();
  });
}
