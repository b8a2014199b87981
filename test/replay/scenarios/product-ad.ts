import { startGenerationStack, type GenerationStack } from '../../support/generation-stack.js';
import { waitUntil } from '../../support/job-streams.js';
import { closed, jobRun, type Recorded } from './recording.js';

/** Product ads: an ad composed, one whose visuals fail at the provider, one an admin cancels while its visuals render. */
export async function recordProductAd(): Promise<Recorded[]> {
  const stack = await startGenerationStack();
  try {
    return [await composed(stack, 'completed', 'EcoWater Bottle'), await composed(stack, 'failed', 'Storm Kettle [fail]'), await cancelled(stack)];
  } finally {
    await stack.stop();
  }
}

async function submit(stack: GenerationStack, productName: string): Promise<string> {
  const form = new FormData();
  for (const [name, value] of Object.entries({ product_name: productName, style: 'modern', cta_text: 'Buy Now!' })) form.set(name, value);
  const response = await fetch(`${stack.url}/api/generate`, { method: 'POST', body: form });
  const body = (await response.json()) as Record<string, unknown>;
  if (response.status !== 202) throw new Error(`/api/generate answered ${response.status} ${JSON.stringify(body)}`);
  return String(body.job_id);
}

async function statusOf(stack: GenerationStack, key: string): Promise<{ status: string; stage: string | null }> {
  const [row] = await stack.sql<{ status: string; stage: string | null }[]>`select status, stage from jobs where key = ${key}`;
  return row ?? { status: 'missing', stage: null };
}

async function composed(stack: GenerationStack, scenario: string, productName: string): Promise<Recorded> {
  const key = await submit(stack, productName);
  const run = await jobRun(stack.sql, key);
  await closed(stack.temporal, run);
  return { scenario, ...run };
}

async function cancelled(stack: GenerationStack): Promise<Recorded> {
  const key = await submit(stack, 'Zephyr Fan [hold]');
  await waitUntil(async () => (await statusOf(stack, key)).stage === 'video_gen', 'the visuals to render', 120_000);
  const run = await jobRun(stack.sql, key);
  const reply = await stack.admin('POST', `/api/v1/admin/jobs/${key}/cancel`);
  if (reply.status !== 200) throw new Error(`cancel answered ${reply.status} ${JSON.stringify(reply.body)}`);
  await closed(stack.temporal, run);
  return { scenario: 'cancelled', ...run };
}
