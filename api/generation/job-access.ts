import type { Context } from 'hono';
import type { JobRow } from '../../db/jobs/types.js';
import type { AppEnv } from '../lib/types.js';

/**
 * Whether the request may read a generation job's events: its owner, signed in. Routes behind
 * requireUser have the user already; the engine's own stream routes check the token here.
 */
export async function canReadGenerationJob(c: Context<AppEnv>, job: JobRow): Promise<boolean> {
  let user = c.get('user') as AppEnv['Variables']['user'] | undefined;
  if (!user) {
    // As on /videos/jobs/{job}/events: the header, or `access_token` for EventSource and WebSocket clients.
    const token = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? c.req.query('access_token');
    user = await c.var.deps.verifyUser(token).catch(() => undefined);
  }
  return user !== undefined && user.id === job.owner;
}
