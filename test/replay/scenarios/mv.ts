import { startGenerationStack, type GenerationStack } from '../../support/generation-stack.js';
import { closed, jobRun, newestJob, type Recorded } from './recording.js';

/** Music videos: each kind of request (scene plan, character reference, scene clip) once, and a clip whose generation fails. */
export async function recordMv(): Promise<Recorded[]> {
  const stack = await startGenerationStack();
  try {
    return [
      await requested(stack, 'scenes-completed', '/api/mv/scenes', { concept_prompt: 'Robot exploring Austin, Texas', num_scenes: 2 }),
      await requested(stack, 'character-reference-completed', '/api/mv/character-reference?config_flavor=example', { character_description: 'Silver metallic humanoid robot' }),
      await requested(stack, 'video-completed', '/api/mv/video?config_flavor=example', { prompt: 'Robot walking through downtown', duration: 4 }),
      await requested(stack, 'video-failed', '/api/mv/video?config_flavor=example', { prompt: 'Robot [fail]', duration: 4 }),
    ];
  } finally {
    await stack.stop();
  }
}

/** The API answers once the job has ended (within MV_SYNC_TIMEOUT_SECONDS), so the newest mv job is this request's. */
async function requested(stack: GenerationStack, scenario: string, path: string, body: unknown): Promise<Recorded> {
  const response = await fetch(`${stack.url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  await response.body?.cancel();
  const run = await jobRun(stack.sql, await newestJob(stack.sql, 'mv'));
  await closed(stack.temporal, run);
  return { scenario, ...run };
}
