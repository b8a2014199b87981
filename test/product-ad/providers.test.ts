import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLocalTextWriter } from '../../providers/text/local-writer.js';
import { AD_TARGET_SECONDS } from '../../workflows/product-ad/contract.js';
import { GROQ_FAKE_KEY, groqFailures, startGroqFake, type GroqFake } from '../fakes/groq.js';
import { startGroqSpeechFake, type GroqSpeechFake } from '../fakes/groq-speech.js';
import { readBody, startLoopbackServer, type LoopbackServer } from '../fakes/loopback.js';
import { startPredictionsApiFake, type PredictionsApiFake } from '../fakes/predictions-api.js';
import { startGenerationStack, type GenerationStack } from '../support/generation-stack.js';
import { waitUntil } from '../support/job-streams.js';
import { makeClip } from '../support/media.js';

/**
 * A product ad through the real HTTP adapters, each against a loopback fake of its provider:
 * Groq chat (the script) and speech (the voice-over) behind one GROQ_BASE_URL, and a
 * predictions API (the visuals).
 */

const TOKEN = 'r8_product_ad_token';
let chat: GroqFake;
let speech: GroqSpeechFake;
let groq: LoopbackServer;
let predictions: PredictionsApiFake<{ prompt: string }>;
let stack: GenerationStack;

before(async () => {
  [chat, speech] = await Promise.all([startGroqFake(), startGroqSpeechFake()]);
  // One Groq base URL, as the SDK has: chat completions to one fake, speech to the other.
  groq = await startLoopbackServer(async (request, response) => {
    const target = request.url?.startsWith('/openai/v1/audio/') ? speech.url : chat.url;
    const body = request.method === 'POST' ? await readBody(request) : undefined;
    const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => !['host', 'content-length', 'connection'].includes(name))) as Record<string, string>;
    const answer = await fetch(`${target}${request.url}`, { method: request.method, headers, ...(body ? { body } : {}) });
    const passed = Object.fromEntries([...answer.headers].filter(([name]) => !['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(name)));
    response.writeHead(answer.status, passed);
    response.end(Buffer.from(await answer.arrayBuffer()));
  });
  const scratch = await mkdtemp(join(process.env.REELFLOW_TEST_SCRATCH ?? tmpdir(), 'product-ad-providers-'));
  await makeClip(join(scratch, 'visuals.mp4'), { width: 720, height: 1280, fps: 24, seconds: 2 });
  predictions = await startPredictionsApiFake<{ prompt: string }>({
    token: TOKEN,
    output: await readFile(join(scratch, 'visuals.mp4')),
    failureError: 'Model timeout',
    parseInput: (input) => (typeof (input as { prompt?: unknown } | null)?.prompt === 'string' ? { input: input as { prompt: string } } : { invalid: 'prompt is required' }),
  });
  stack = await startGenerationStack({
    env: {
      LLM_PROVIDER: 'groq',
      TTS_PROVIDER: 'groq',
      GROQ_API_KEY: GROQ_FAKE_KEY,
      GROQ_BASE_URL: groq.url,
      LLM_USD_PER_MILLION_INPUT_TOKENS: '100',
      LLM_USD_PER_MILLION_OUTPUT_TOKENS: '100',
      PREDICTION_USD_PER_SECOND: '0.05',
      GENERATION_PROVIDER: 'http',
      GENERATION_API_URL: predictions.url,
      GENERATION_API_TOKEN: TOKEN,
    },
  });
});
after(async () => {
  await stack?.stop();
  await Promise.all([groq?.close(), chat?.close(), speech?.close(), predictions?.close()]);
});

/** A script a model could have written: valid against the schema the writer holds answers to. */
async function scriptAnswer(productName: string, ctaText: string): Promise<string> {
  const { value } = await createLocalTextWriter().writeAdScript({ productName, style: 'modern', ctaText, hasProductImage: false, targetSeconds: AD_TARGET_SECONDS });
  return JSON.stringify(value);
}

async function submit(productName: string, ctaText = 'Buy Now!') {
  const form = new FormData();
  for (const [name, value] of Object.entries({ product_name: productName, style: 'modern', cta_text: ctaText })) form.set(name, value);
  const response = await fetch(`${stack.url}/api/generate`, { method: 'POST', body: form });
  assert.equal(response.status, 202);
  return String(((await response.json()) as { job_id: string }).job_id);
}

type Job = { status: string; error_message: string | null; cost_usd: number; stages: { stage_name: string; status: string; error_message: string | null }[] };
const jobOf = async (id: string) => (await (await fetch(`${stack.url}/api/jobs/${id}`)).json()) as Job;

async function ended(id: string): Promise<Job> {
  let job: Job | undefined;
  await waitUntil(async () => ['completed', 'failed', 'cancelled'].includes((job = await jobOf(id)).status), `job ${id} to end`, 90_000);
  return job!;
}

describe('product ads through the providers’ HTTP adapters', () => {
  it('survives a malformed script answer and a rate-limited voice-over, and prices the script and the prediction', async () => {
    predictions.plan = ['processing', 'succeeded'];
    chat.answers.push('this is not JSON', await scriptAnswer('Aurora Lamp', 'Shop the glow'));
    speech.failures.push(groqFailures.rateLimited(1));
    const chatBefore = chat.requests.length;
    const id = await submit('Aurora Lamp', 'Shop the glow');
    const job = await ended(id);
    assert.equal(job.status, 'completed', JSON.stringify(job));
    assert.equal(chat.requests.length - chatBefore, 2, 'the malformed answer was asked again once');
    const costs = await stack.sql<{ stage: string; usd: number }[]>`
      select e.stage, (e.detail->>'cost_usd')::float8 as usd from job_events e join jobs j on j.id = e.job_id
      where j.key = ${id} and e.detail ? 'cost_usd' order by e.seq`;
    assert.deepEqual(costs.map((cost) => cost.stage), ['script_gen', 'video_gen'], 'the script’s tokens and the prediction’s seconds are priced');
    const total = costs.reduce((sum, cost) => sum + cost.usd, 0);
    assert.ok(Math.abs(job.cost_usd - total) < 1e-6 && total > 0, `cost_usd ${job.cost_usd} is the stages' ${total}`);
  });

  it('fails at video_gen with the provider’s reason; an admin retry reuses the script and voice-over', async () => {
    predictions.plan = ['processing', 'failed'];
    chat.answers.push(await scriptAnswer('Nimbus Kettle', 'Order today'));
    const id = await submit('Nimbus Kettle', 'Order today');
    const job = await ended(id);
    assert.equal(job.status, 'failed');
    assert.match(String(job.error_message), /Video generation failed: Model timeout/);
    assert.deepEqual(job.stages.map((stage) => [stage.stage_name, stage.status]), [
      ['script_gen', 'completed'],
      ['voice_gen', 'completed'],
      ['video_gen', 'failed'],
    ]);

    // An admin retry resets to video_gen: the script and voice-over are reused, not asked for again.
    predictions.plan = ['processing', 'succeeded'];
    const [chatCalls, speechCalls] = [chat.requests.length, speech.requests.length];
    const retried = await stack.admin('POST', `/api/v1/admin/jobs/${id}/retry`);
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    const done = await ended(id);
    assert.equal(done.status, 'completed', JSON.stringify(done));
    assert.deepEqual([chat.requests.length, speech.requests.length], [chatCalls, speechCalls]);
  });

  it('cancels the running prediction at the provider', async () => {
    predictions.plan = ['processing'];
    chat.answers.push(await scriptAnswer('Zephyr Fan', 'Stay cool'));
    const cancelsBefore = predictions.cancels.length;
    const id = await submit('Zephyr Fan', 'Stay cool');
    await waitUntil(async () => (await jobOf(id)).stages.some((stage) => stage.stage_name === 'video_gen') && predictions.polls.length > 0, 'the prediction to run', 60_000);
    const cancelled = await fetch(`${stack.url}/api/jobs/${id}`, { method: 'DELETE' });
    assert.equal(cancelled.status, 200);
    assert.equal(((await cancelled.json()) as Job).status, 'cancelled');
    await waitUntil(() => predictions.cancels.length > cancelsBefore, 'the prediction to be cancelled at the provider');
  });
});
