import { startGenerationStack, type GenerationClient, type GenerationStack } from '../../support/generation-stack.js';
import { closed, jobRun, type Recorded } from './recording.js';

/** Generation: a video generated, a failed prediction refunded, a running job cancelled by its owner and refunded. */
export async function recordGeneration(): Promise<Recorded[]> {
  const stack = await startGenerationStack();
  try {
    const user = await stack.as();
    return [
      await generated(stack, user, 'completed', 'A cat playing piano in a jazz club', ['completed']),
      await generated(stack, user, 'failed-refunded', 'A storm at sea [fail]', ['failed']),
      await cancelled(stack, user),
    ];
  } finally {
    await stack.stop();
  }
}

async function accepted(user: GenerationClient, prompt: string): Promise<string> {
  const reply = await user.generate({ prompt });
  if (reply.status !== 202) throw new Error(`generate answered ${reply.status} ${JSON.stringify(reply.body)}`);
  return String(reply.body.job_id);
}

async function generated(stack: GenerationStack, user: GenerationClient, scenario: string, prompt: string, statuses: string[]): Promise<Recorded> {
  const jobId = await accepted(user, prompt);
  await user.waitFor(jobId, statuses);
  const run = await jobRun(stack.sql, jobId);
  await closed(stack.temporal, run);
  return { scenario, ...run };
}

async function cancelled(stack: GenerationStack, user: GenerationClient): Promise<Recorded> {
  const jobId = await accepted(user, 'A long take [hold]');
  await user.waitFor(jobId, ['processing']);
  const reply = await user.delete(`/videos/jobs/${jobId}`);
  if (reply.status !== 200) throw new Error(`cancel answered ${reply.status} ${JSON.stringify(reply.body)}`);
  const run = await jobRun(stack.sql, jobId);
  await closed(stack.temporal, run);
  return { scenario: 'cancelled-refunded', ...run };
}
