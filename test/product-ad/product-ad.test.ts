import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { probe } from '../../lib/media/ffmpeg.js';
import { startGenerationStack, type GenerationStack } from '../support/generation-stack.js';
import { pdfDocument, texturedJpeg } from '../support/images.js';
import { openSocket, sseEvents, waitUntil } from '../support/job-streams.js';

let stack: GenerationStack;
let scratch: string;

before(async () => {
  stack = await startGenerationStack();
  scratch = await mkdtemp(join(tmpdir(), 'product-ad-'));
});
after(async () => {
  await stack?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

type Job = { status: string; progress: number; video_url: string | null; stages: { stage_name: string; status: string; progress: number; started_at: string; completed_at: string | null }[] } & Record<string, unknown>;

async function submit(fields: Record<string, string>, image?: Buffer) {
  const form = new FormData();
  for (const [name, value] of Object.entries({ product_name: 'EcoWater Bottle', style: 'modern', cta_text: 'Buy Now!', ...fields })) form.set(name, value);
  if (image) form.set('product_image', new Blob([new Uint8Array(image)], { type: 'image/jpeg' }), 'product.jpg');
  const response = await fetch(`${stack.url}/api/generate`, { method: 'POST', body: form });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function jobOf(id: string): Promise<{ status: number; body: Job }> {
  const response = await fetch(`${stack.url}/api/jobs/${id}`);
  return { status: response.status, body: (await response.json()) as Job };
}

async function finished(id: string, timeoutMs = 120_000): Promise<Job> {
  let job: Job | undefined;
  await waitUntil(async () => ['completed', 'failed', 'cancelled'].includes((job = (await jobOf(id)).body).status), `job ${id} to end`, timeoutMs);
  return job!;
}

/** Downloads a signed media link through the API and probes it. */
async function probeUrl(url: string) {
  const link = new URL(url);
  const response = await fetch(`${stack.url}${link.pathname}${link.search}`);
  assert.equal(response.status, 200);
  const file = join(scratch, `${Math.random().toString(36).slice(2)}.mp4`);
  await writeFile(file, Buffer.from(await response.arrayBuffer()));
  return probe(file);
}

const voiceSeconds = async (id: string) =>
  (await stack.sql<{ seconds: number }[]>`
    select (e.detail->>'seconds')::float8 as seconds from job_events e join jobs j on j.id = e.job_id
    where j.key = ${id} and e.stage = 'voice_gen' and e.detail ? 'seconds'`)[0]!.seconds;

describe('product ads, end to end', () => {
  it('turns the form into a 1080×1920 ad, streaming every stage over the WebSocket in order', async () => {
    const accepted = await submit({});
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    assert.equal(accepted.body.status, 'pending');
    assert.equal(accepted.body.message, 'Video generation job created successfully');
    assert.ok(Number(accepted.body.estimated_completion_time) > 0);
    const id = String(accepted.body.job_id);

    const sse = sseEvents(`${stack.url}/api/jobs/${id}/events`);
    const socket = await openSocket(`${stack.wsUrl}/ws/jobs/${id}`);
    await waitUntil(() => socket.messages.length > 0, 'the current state at once');
    socket.socket.send(JSON.stringify({ type: 'ping' }));
    await waitUntil(async () => {
      const health = (await (await fetch(`${stack.url}/ws/health`)).json()) as { total_connections: number };
      return health.total_connections >= 1;
    }, '/ws/health to count the socket');
    const { code } = await socket.closed;
    assert.equal(code, 1000, 'closed after the final event');
    const messages = socket.messages as unknown as Record<string, unknown>[];
    assert.ok(messages.some((message) => message.type === 'pong'), 'ping answered');
    const updates = messages.filter((message) => message.type !== 'pong');
    for (const update of updates) for (const field of ['job_id', 'stage', 'progress', 'status', 'message', 'timestamp']) assert.ok(field in update, `${field} in ${JSON.stringify(update)}`);
    const stages = [...new Set(updates.map((update) => update.stage).filter(Boolean))];
    assert.deepEqual(stages, ['script_gen', 'voice_gen', 'video_gen', 'compositing'].slice(4 - stages.length), 'stages in order');
    const progress = updates.map((update) => Number(update.progress));
    assert.deepEqual(progress, [...progress].sort((a, b) => a - b), 'progress never goes back');
    assert.equal(updates.at(-1)?.status, 'completed');
    assert.equal(updates.at(-1)?.progress, 100);
    await waitUntil(async () => ((await (await fetch(`${stack.url}/ws/health`)).json()) as { total_connections: number }).total_connections === 0, 'the closed socket to be uncounted');

    const job = await finished(id);
    assert.equal(job.status, 'completed');
    assert.equal(job.progress, 100);
    assert.equal(job.product_name, 'EcoWater Bottle');
    assert.equal(typeof job.cost_usd, 'number');
    assert.deepEqual(job.stages.map((stage) => [stage.stage_name, stage.status, stage.progress]), [
      ['script_gen', 'completed', 100],
      ['voice_gen', 'completed', 100],
      ['video_gen', 'completed', 100],
      ['compositing', 'completed', 100],
    ]);
    for (const stage of job.stages) assert.ok(stage.completed_at && stage.started_at <= stage.completed_at);
    const media = await probeUrl(job.video_url!);
    assert.equal(media.video?.width, 1080);
    assert.equal(media.video?.height, 1920);
    assert.equal(media.audio?.codec, 'aac');
    assert.ok(media.durationSeconds >= (await voiceSeconds(id)), `ad ${media.durationSeconds}s covers the voice-over`);

    // The SSE client, there from the start, saw every stage in order and the end.
    const streamed = await sse;
    assert.deepEqual([...new Set(streamed.map((event) => event.stage).filter(Boolean))], ['script_gen', 'voice_gen', 'video_gen', 'compositing']);
    assert.equal(streamed.at(-1)?.status, 'completed');

    // Late clients get the end: SSE replays the log, a socket gets the final state and closes.
    const replay = await sseEvents(`${stack.url}/api/jobs/${id}/events`);
    assert.equal(replay.at(-1)?.status, 'completed');
    const late = await openSocket(`${stack.wsUrl}/ws/jobs/${id}`);
    assert.equal((await late.closed).code, 1000);
    assert.equal((late.messages[0] as unknown as { status: string }).status, 'completed');
  });

  it('animates the product photo into a square ad when one is sent', async () => {
    const accepted = await submit({ aspect_ratio: '1:1', style: 'luxury' }, await texturedJpeg(900, 900));
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    const job = await finished(String(accepted.body.job_id));
    assert.equal(job.status, 'completed', JSON.stringify(job));
    const media = await probeUrl(job.video_url!);
    assert.equal(media.video?.width, 1080);
    assert.equal(media.video?.height, 1080);
  });
});

describe('the job list', () => {
  it('lists anonymous jobs newest first, filters by status, and refuses bad paging', async () => {
    const listed = async (query: string) => (await (await fetch(`${stack.url}/api/jobs${query}`)).json()) as { jobs: Job[]; total: number };
    const all = await listed('?limit=100');
    assert.ok(all.total >= 2);
    const times = all.jobs.map((job) => String(job.created_at));
    assert.deepEqual(times, [...times].sort().reverse(), 'newest first');
    const completed = await listed('?status=completed&limit=1');
    assert.equal(completed.jobs.length, 1);
    assert.equal(completed.jobs[0]?.status, 'completed');
    assert.equal((await fetch(`${stack.url}/api/jobs?limit=0`)).status, 400);
    assert.equal((await fetch(`${stack.url}/api/jobs?status=done`)).status, 400);
  });
});

describe('bad requests', () => {
  it('answers 400 naming the field, 415 for a file that is not an image, and creates nothing', async () => {
    const before = (await stack.sql<{ n: number }[]>`select count(*)::int as n from jobs where pipeline = 'product_ad'`)[0]!.n;
    const missing = await submit({ product_name: '' });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error, 'ValidationError');
    assert.match(String(missing.body.message), /product_name/);
    const longCta = await submit({ cta_text: 'x'.repeat(51) });
    assert.equal(longCta.status, 400);
    assert.match(String(longCta.body.message), /cta_text/);
    for (const [field, value] of [['product_name', 'Nul\u0000Byte'], ['style', 'a\u0001b'], ['cta_text', 'Buy\u001bNow']] as const) {
      const control = await submit({ [field]: value });
      assert.equal(control.status, 400, `${field}: ${JSON.stringify(control.body)}`);
      assert.match(String(control.body.message), new RegExp(field));
    }
    const pdf = await submit({}, pdfDocument());
    assert.equal(pdf.status, 415);
    const after = (await stack.sql<{ n: number }[]>`select count(*)::int as n from jobs where pipeline = 'product_ad'`)[0]!.n;
    assert.equal(after, before);
  });

  it('answers an unknown job with the seed’s 404, a malformed id with 400, and closes its socket with 1008', async () => {
    const unknown = await jobOf('00000000-0000-4000-8000-000000000000');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error, 'JobNotFound');
    assert.equal((await jobOf('not-a-uuid')).status, 400);
    const socket = await openSocket(`${stack.wsUrl}/ws/jobs/00000000-0000-4000-8000-000000000000`);
    assert.equal((await socket.closed).code, 1008);
  });
});
