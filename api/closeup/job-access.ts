import type { Context } from 'hono';
import type { JobRow } from '../../db/jobs/types.js';
import { constantTimeEquals, hashTrackingToken } from '../../lib/secrets.js';
import type { AppEnv } from '../lib/types.js';

/**
 * Who may follow a Close-Up job: the submitter, by the tracking token from the submit answer
 * (`tracking_token` query parameter — EventSource and WebSocket cannot set headers — or
 * `X-Tracking-Token`). Job ids are sequential; tokens are not.
 */
export async function canReadCloseupJob(c: Context<AppEnv>, job: JobRow): Promise<boolean> {
  const token = c.req.query('tracking_token') ?? c.req.header('x-tracking-token');
  // No token reads as a wrong one: an unknown job answers the same, so ids cannot be probed.
  if (!token) return false;
  const [row] = await c.var.deps.sql<{ tracking_token_hash: Buffer }[]>`select tracking_token_hash from closeup_jobs where job_id = ${job.id}`;
  return row !== undefined && constantTimeEquals(hashTrackingToken(token), row.tracking_token_hash);
}
