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

export interface RequireUserOptions {
  /** Checks the token; default `c.var.deps.verifyUser`. */
  verify?: (token: string | undefined) => Promise<SignedInUser>;
  /**
   * Also accept `?access_token=<token>` when no Authorization header is sent: for event streams
   * only, since EventSource cannot send headers (the request log records the path alone).
   */
  queryToken?: boolean;
}

/**
 * Routes of the signed-in products: `Authorization: Bearer <Supabase access token>`; the user is
 * `c.var.user`. 401 in the error shape saying what is wrong (details.problem: missing, expired,
 * bad_signature, wrong_audience, …); 503 when the project's keys cannot be fetched. Passes
 * through when an earlier requireUser (a route's own, e.g. with `queryToken`) has set the user.
 */
export function requireUser(options: RequireUserOptions = {}) {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (c.get('user') as SignedInUser | undefined) return next();
    const header = c.req.header('authorization');
    let token = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
    if (header === undefined && options.queryToken) token = c.req.query('access_token') || undefined;
    try {
      c.set('user', await (options.verify ?? c.var.deps.verifyUser)(token));
    } catch (error) {
      if (error instanceof TokenError) {
        c.header('WWW-Authenticate', `Bearer error="invalid_token"`);
        const message = error.problem === 'missing' && options.queryToken ? 'A Bearer access token is required (Authorization: Bearer <token>, or ?access_token=<token> for EventSource).' : error.message;
        throw new ApiError(401, 'Unauthorized', message, { problem: error.problem });
      }
      if (error instanceof KeySetUnavailableError) throw new ApiError(503, 'ServiceUnavailable', 'Sign-in cannot be checked right now; please retry.');
      throw error;
    }
    await next();
  });
}
