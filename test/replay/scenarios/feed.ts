import { startGenerationStack, type GenerationClient, type GenerationStack } from '../../support/generation-stack.js';
import { waitUntil } from '../../support/job-streams.js';
import { closed, jobRun, type Recorded } from './recording.js';

/** Feed videos (priced, so failures refund): one rendered, one whose render fails, one an admin cancels while it renders. */
export async function recordFeed(): Promise<Recorded[]> {
  const stack = await startGenerationStack({ env: { FEED_VIDEO_COST: '40', VIDEO_CREATION_COOLDOWN_SECONDS: '0' } });
  try {
    const user = await stack.as();
    return [
      await ended(stack, await created(stack, user, 'A paper boat drifting down a rainy street'), 'completed'),
      await ended(stack, await created(stack, user, 'A storm at sea [fail]'), 'failed-refunded'),
      await cancelled(stack, user),
    ];
  } finally {
    await stack.stop();
  }
}

/** The job of a new feed video. */
async function created(stack: GenerationStack, user: GenerationClient, prompt: string): Promise<number> {
  const reply = await user.send('POST', `${stack.config.FEED_BASE_PATH}/videos/create`, { prompt });
  if (reply.status !== 201) throw new Error(`create answered ${reply.status} ${JSON.stringify(reply.body)}`);
  const [row] = await stack.sql<{ job_id: number }[]>`select job_id::int as job_id from feed_videos where id = ${String(reply.body.id)}`;
  if (!row) throw new Error(`no feed video ${String(reply.body.id)}`);
  return row.job_id;
}

async function ended(stack: GenerationStack, jobId: number, scenario: string): Promise<Recorded> {
  const run = await jobRun(stack.sql, jobId);
  await closed(stack.temporal, run);
  return { scenario, ...run };
}

async function cancelled(stack: GenerationStack, user: GenerationClient): Promise<Recorded> {
  const jobId = await created(stack, user, 'A long take [hold]');
  await waitUntil(async () => (await stack.sql`select 1 from jobs where id = ${jobId} and status = 'processing'`).length > 0, 'the render to start', 120_000);
  const reply = await stack.admin('POST', `/api/v1/admin/jobs/${jobId}/cancel`);
  if (reply.status !== 200) throw new Error(`cancel answered ${reply.status} ${JSON.stringify(reply.body)}`);
  return ended(stack, jobId, 'cancelled-refunded');
}
