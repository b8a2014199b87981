import type { AppDeps } from '../lib/types.js';
import { PIPELINE } from '../../workflows/product-ad/contract.js';

/** Until a few ads completed this week, the seed's figure. */
const DEFAULT_SECONDS = 300;

/** Seconds from acceptance to completion: the mean of the last 20 completed product ads of the past week (at least 3), else 300. */
export async function estimatedSeconds(deps: Pick<AppDeps, 'sql'>): Promise<number> {
  const [row] = await deps.sql<{ samples: number; seconds: number | null }[]>`
    select count(*)::int as samples, avg(seconds)::float8 as seconds from (
      select extract(epoch from updated_at - created_at) as seconds from jobs
      where pipeline = ${PIPELINE} and status = 'completed' and created_at > now() - interval '7 days'
      order by id desc limit 20
    ) recent`;
  return Math.round(row && row.samples >= 3 && row.seconds !== null ? row.seconds : DEFAULT_SECONDS);
}
