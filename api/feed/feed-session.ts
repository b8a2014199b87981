import { createMiddleware } from 'hono/factory';
import { ensureProfile } from '../../db/feed/profiles.js';
import { requireUser } from '../lib/require-user.js';
import type { AppEnv } from '../lib/types.js';

const signIn = requireUser();

/**
 * Every feed request: anonymous when it sends no Authorization header (the feed and single videos
 * are public); otherwise the token must be valid (401 in the error shape as requireUser says), and
 * the user's profile is made on their first authenticated request (from the token's email, with a
 * generated unique username). Routes that need a user add requireUser(), which then passes.
 */
export const feedSession = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.header('authorization') === undefined) return next();
  return signIn(c, async () => {
    const { deps, user } = c.var;
    await ensureProfile(deps.sql, user, deps.config.DUST_STARTING_BALANCE);
    await next();
  });
});
