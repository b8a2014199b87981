import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dubbingCalls, FAILING_SOURCE, HOLDING_SOURCE, startDubbingStack } from '../../dubbing/dubbing-stack.js';
import { addLibraryClip, makeSourceClip } from '../../dubbing/media.js';
import type { GenerationClient, GenerationStack } from '../../support/generation-stack.js';
import { closed, jobRun, type Recorded } from './recording.js';

const TRANSCRIPT = 'Hello and welcome.';

/** Dubbing: a library video dubbed, one whose lip-sync fails for good (refunded), one its owner cancels (refunded). */
export async function recordDubbing(): Promise<Recorded[]> {
  const dir = await mkdtemp(join(tmpdir(), 'replay-dubbing-'));
  const clip = join(dir, 'source.mp4');
  await makeSourceClip(clip, 3);
  const stack = await startDubbingStack();
  try {
    // A user each: the library keeps one copy of the same clip per user, under its first name.
    return [
      await dubbed(stack, await stack.as(), clip, 'completed', 'Spring Promo.mp4', ['completed']),
      await dubbed(stack, await stack.as(), clip, 'failed-refunded', FAILING_SOURCE, ['failed']),
      await cancelled(stack, await stack.as(), clip),
    ];
  } finally {
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function accepted(stack: GenerationStack, user: GenerationClient, clip: string, sourceName: string): Promise<string> {
  const source = await addLibraryClip(stack, user.userId, clip, sourceName);
  const reply = await dubbingCalls(stack, user).create({ s3_video_id: source.id, transcript_text: TRANSCRIPT });
  if (reply.status !== 202) throw new Error(`dubbing answered ${reply.status} ${JSON.stringify(reply.body)}`);
  return String(reply.body.job_id);
}

async function dubbed(stack: GenerationStack, user: GenerationClient, clip: string, scenario: string, sourceName: string, statuses: string[]): Promise<Recorded> {
  const jobId = await accepted(stack, user, clip, sourceName);
  await dubbingCalls(stack, user).waitFor(jobId, statuses);
  const run = await jobRun(stack.sql, jobId);
  await closed(stack.temporal, run);
  return { scenario, ...run };
}

async function cancelled(stack: GenerationStack, user: GenerationClient, clip: string): Promise<Recorded> {
  const jobId = await accepted(stack, user, clip, HOLDING_SOURCE);
  await dubbingCalls(stack, user).waitFor(jobId, ['processing'], (body) => body.stage === 'lipsync');
  const reply = await user.delete(`/api/v1/jobs/${jobId}`);
  if (reply.status !== 200) throw new Error(`cancel answered ${reply.status} ${JSON.stringify(reply.body)}`);
  const run = await jobRun(stack.sql, jobId);
  await closed(stack.temporal, run);
  return { scenario: 'cancelled-refunded', ...run };
}
