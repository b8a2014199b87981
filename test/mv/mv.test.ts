import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { probe } from '../../lib/media/ffmpeg.js';
import { SHIPPED_FLAVORS_DIR } from '../../lib/mv/flavors.js';
import type { VideoGenerator } from '../../providers/ports.js';
import { startGenerationStack, type GenerationStack } from '../support/generation-stack.js';
import { waitUntil } from '../support/job-streams.js';
import { scriptedGenerator } from '../support/scripted-generator.js';

/**
 * The MV endpoints over real HTTP, Temporal, PostgreSQL and the local providers (template writer,
 * sharp image renderer, ffmpeg video generator). `stack` reads flavors from a temporary copy of the
 * shipped ones (folders are added and broken there while it runs); `quick` is a second API on the
 * same worker with the default MV_CONFIG_DIR and MV_SYNC_TIMEOUT_SECONDS=1.
 */

let stack: GenerationStack;
let quick: GenerationStack;
let scratch: string;
let flavorsDir: string;

/** The generator as the stack scripts it, plus `[slow]`: two and a half seconds (heartbeating) before the real work. */
function slowOnMarker(real: VideoGenerator): VideoGenerator {
  return {
    name: real.name,
    async generate(request, progress) {
      if (request.spec.prompt.includes('[slow]')) {
        for (let waited = 0; waited < 2_500; waited += 250) {
          progress.heartbeat();
          await sleep(250);
        }
      }
      return real.generate(request, progress);
    },
  };
}

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'mv-test-'));
  flavorsDir = join(scratch, 'flavors');
  await cp(SHIPPED_FLAVORS_DIR, flavorsDir, { recursive: true });
  stack = await startGenerationStack({ env: { MV_CONFIG_DIR: flavorsDir }, providers: (configured) => ({ videoGenerator: slowOnMarker(scriptedGenerator(configured.videoGenerator)) }) });
  quick = await startGenerationStack({ worker: false, env: { TEMPORAL_TASK_QUEUE: stack.config.TEMPORAL_TASK_QUEUE, MV_SYNC_TIMEOUT_SECONDS: '1' } });
});
after(async () => {
  await quick?.stop();
  await stack?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

type Body = Record<string, unknown>;
type Scene = { sequence: number; prompt: string; duration: number };

async function call(base: string, method: 'GET' | 'POST', path: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Body };
}

const post = (path: string, body: unknown) => call(stack.url, 'POST', path, body);

/** A signed media link fetched through the API (the link's host is PUBLIC_BASE_URL). */
async function download(url: string, name: string) {
  const link = new URL(url);
  const response = await fetch(`${stack.url}${link.pathname}${link.search}`);
  assert.equal(response.status, 200, `GET ${link.pathname}`);
  const file = join(scratch, name);
  await writeFile(file, Buffer.from(await response.arrayBuffer()));
  return { file, contentType: response.headers.get('content-type') };
}

const mvJobs = async () => (await stack.sql<{ n: number }[]>`select count(*)::int as n from jobs where pipeline = 'mv'`)[0]!.n;

describe('MV config flavors', () => {
  it('lists the shipped default and example flavors, from MV_CONFIG_DIR or the repository by default', async () => {
    for (const base of [stack.url, quick.url]) {
      const listing = await call(base, 'GET', '/api/mv/config-flavors');
      assert.equal(listing.status, 200);
      assert.deepEqual(listing.body, { flavors: ['default', 'example'], default_flavor: 'default', broken: [] });
    }
  });

  it('offers a flavor folder added while running, and uses it', async () => {
    await cp(join(flavorsDir, 'default'), join(flavorsDir, 'neon'), { recursive: true });
    await writeFile(join(flavorsDir, 'neon', 'parameters.yaml'), 'scene_duration: 3\ndefault_num_scenes: 2\nvideo:\n  resolution: sd_480p\n  aspect_ratio: "1:1"\n');
    const listing = await call(stack.url, 'GET', '/api/mv/config-flavors');
    assert.deepEqual(listing.body.flavors, ['default', 'example', 'neon']);

    const planned = await post('/api/mv/scenes?config_flavor=neon', { concept_prompt: 'A city that glows at night' });
    assert.equal(planned.status, 200, JSON.stringify(planned.body));
    assert.deepEqual((planned.body.scenes as Scene[]).map((scene) => [scene.sequence, scene.duration]), [[1, 3], [2, 3]]);
  });

  it('reports a broken flavor by file and reason, refuses it with 422, and keeps the others working', async () => {
    await cp(join(flavorsDir, 'default'), join(flavorsDir, 'glitch'), { recursive: true });
    await writeFile(join(flavorsDir, 'glitch', 'scene_prompts.yaml'), 'scene_template: Scene {sequence} about {concpet}\n');
    const listing = await call(stack.url, 'GET', '/api/mv/config-flavors');
    assert.deepEqual(listing.body.flavors, ['default', 'example', 'neon']);
    const [broken] = listing.body.broken as { name: string; file: string; reason: string }[];
    assert.equal(broken?.name, 'glitch');
    assert.equal(broken?.file, 'scene_prompts.yaml');
    assert.match(broken?.reason ?? '', /concpet/);

    const before = await mvJobs();
    const refused = await post('/api/mv/scenes?config_flavor=glitch', { concept_prompt: 'Robot exploring Austin, Texas' });
    assert.equal(refused.status, 422);
    assert.equal(refused.body.error, 'FlavorBroken');
    assert.match(String(refused.body.message), /glitch.*scene_prompts\.yaml.*concpet/);
    assert.equal(await mvJobs(), before, 'no job for a refused request');
    assert.equal((await post('/api/mv/scenes?config_flavor=example', { concept_prompt: 'Robot exploring Austin, Texas', num_scenes: 1 })).status, 200);
  });
});

describe('POST /api/mv/scenes', () => {
  it('plans numbered scenes with each shipped flavor’s length and look, as an mv job', async () => {
    const cinematic = await post('/api/mv/scenes', { concept_prompt: 'Robot exploring Austin, Texas', num_scenes: 4 });
    assert.equal(cinematic.status, 200, JSON.stringify(cinematic.body));
    const scenes = cinematic.body.scenes as Scene[];
    assert.deepEqual(scenes.map((scene) => [scene.sequence, scene.duration]), [[1, 8], [2, 8], [3, 8], [4, 8]]);
    for (const scene of scenes) {
      assert.match(scene.prompt, /Robot exploring Austin, Texas/);
      assert.match(scene.prompt, /cinematic, anamorphic 35mm film/);
    }
    assert.match(scenes[1]!.prompt, /^Scene 2 of 4/);

    const anime = await post('/api/mv/scenes?config_flavor=example', { concept_prompt: 'Robot exploring Austin, Texas' });
    assert.equal(anime.status, 200, JSON.stringify(anime.body));
    const cuts = anime.body.scenes as Scene[];
    assert.deepEqual(cuts.map((scene) => [scene.sequence, scene.duration]), [1, 2, 3, 4, 5, 6].map((n) => [n, 5]), 'default_num_scenes 6, scene_duration 5');
    assert.match(cuts[0]!.prompt, /^Anime music video, cut 1 of 6/);
    assert.match(cuts[0]!.prompt, /2D cel-shaded anime/);

    // The request ran as a job of the engine; its status URL gives the same answer.
    const jobId = anime.headers.get('x-job-id')!;
    const job = await call(stack.url, 'GET', `/api/mv/jobs/${jobId}`);
    assert.equal(job.status, 200);
    assert.equal(job.body.task, 'scenes');
    assert.equal(job.body.status, 'completed');
    assert.deepEqual(job.body.result, anime.body);
    const [row] = await stack.sql<{ pipeline: string; stage: string; events: number }[]>`
      select pipeline, stage, (select count(*)::int from job_events e where e.job_id = j.id) as events from jobs j where key = ${jobId}`;
    assert.deepEqual(row, { pipeline: 'mv', stage: 'plan_scenes', events: 3 }, 'pending, processing, completed');
  });

  it('answers 400 naming the field and 404 listing the flavors for an unknown one, creating nothing', async () => {
    const before = await mvJobs();
    const tooMany = await post('/api/mv/scenes', { concept_prompt: 'Robot', num_scenes: 13 });
    assert.equal(tooMany.status, 400);
    assert.equal(tooMany.body.error, 'ValidationError');
    assert.deepEqual((tooMany.body.details as { field: string }[]).map((issue) => issue.field), ['num_scenes']);
    const missing = await post('/api/mv/scenes', { num_scenes: 2 });
    assert.equal(missing.status, 400);
    assert.match(String(missing.body.message), /concept_prompt/);
    const unknown = await post('/api/mv/scenes?config_flavor=vaporwave', { concept_prompt: 'Robot' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error, 'FlavorNotFound');
    assert.match(String(unknown.body.message), /vaporwave.*default, example/);
    assert.equal((await call(stack.url, 'GET', '/api/mv/jobs/00000000-0000-4000-8000-000000000000')).status, 404);
    assert.equal((await call(stack.url, 'GET', '/api/mv/jobs/42')).status, 400);
    assert.equal(await mvJobs(), before);
  });
});

describe('character references and scene clips', () => {
  let referenceKey = '';

  it('renders a character reference: a JPEG of the flavor’s size under mv/outputs/character_reference/', async () => {
    const made = await post('/api/mv/character-reference?config_flavor=example', { character_description: 'Silver metallic humanoid robot' });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    referenceKey = String(made.body.s3_key);
    assert.match(referenceKey, /^mv\/outputs\/character_reference\/[\w-]+\.jpg$/);
    const image = await download(String(made.body.image_url), 'reference.jpg');
    assert.equal(image.contentType, 'image/jpeg');
    const meta = await sharp(image.file).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 768, 1344]);
  });

  it('animates the reference into a playable clip of the flavor’s frame, stored under the project', async () => {
    assert.ok(referenceKey, 'the character reference test ran first');
    const made = await post('/api/mv/video?config_flavor=example', { prompt: 'Robot walking through downtown', duration: 4, reference_image_s3_keys: [referenceKey], project_id: 'proj123' });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    assert.match(String(made.body.s3_key), /^mv\/projects\/proj123\/scenes\/[\w-]+\.mp4$/);
    const clip = await download(String(made.body.video_url), 'scene.mp4');
    assert.equal(clip.contentType, 'video/mp4');
    const media = await probe(clip.file);
    assert.equal(media.video?.codec, 'h264');
    assert.deepEqual([media.video?.width, media.video?.height], [720, 1280]);
    assert.ok(Math.abs(media.durationSeconds - 5) < 0.3, `4 s asked is a 5 s clip, got ${media.durationSeconds}`);
    const [used] = await stack.sql<{ model: string }[]>`
      select e.detail->>'model' as model from job_events e join jobs j on j.id = e.job_id where j.key = ${made.headers.get('x-job-id')!} and e.status = 'completed'`;
    assert.equal(used?.model, 'local/ffmpeg-kenburns', 'image-to-video from the reference');
  });

  it('answers 404 for reference keys that are not character references, and 502 with the reason when generation fails', async () => {
    const before = await mvJobs();
    for (const key of ['mv/outputs/character_reference/character-nope.jpg', 'mv/projects/proj123/scenes/x.mp4', '../../etc/passwd']) {
      const refused = await post('/api/mv/video', { prompt: 'Robot', reference_image_s3_keys: [key] });
      assert.equal(refused.status, 404, key);
      assert.equal(refused.body.error, 'ReferenceImageNotFound');
    }
    assert.equal(await mvJobs(), before);

    const failed = await post('/api/mv/video?config_flavor=example', { prompt: 'Robot [fail]', duration: 5 });
    assert.equal(failed.status, 502);
    assert.equal(failed.body.error, 'GenerationFailed');
    assert.match(String(failed.body.message), /video_gen failed: Video generation failed: Model timeout/);
  });
});

describe('MV_SYNC_TIMEOUT_SECONDS', () => {
  it('answers 202 with a status URL for a request that outlives it; the URL shows the result later', async () => {
    const started = performance.now();
    const accepted = await call(quick.url, 'POST', '/api/mv/video?config_flavor=example', { prompt: 'Robot dancing on a rooftop [slow]', duration: 5 });
    const waitedMs = performance.now() - started;
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    assert.ok(waitedMs >= 900 && waitedMs < 2_500, `answered after ${Math.round(waitedMs)} ms`);
    const jobId = String(accepted.body.job_id);
    assert.ok(['pending', 'processing'].includes(String(accepted.body.status)));
    assert.equal(accepted.headers.get('location'), accepted.body.status_url);
    const statusPath = new URL(String(accepted.body.status_url)).pathname;
    assert.equal(statusPath, `/api/mv/jobs/${jobId}`);

    let job: Body = {};
    await waitUntil(async () => (job = (await call(quick.url, 'GET', statusPath)).body).status === 'completed', 'the slow clip', 60_000);
    assert.equal(job.task, 'video');
    assert.equal(job.progress, 100);
    const result = job.result as { video_url: string; s3_key: string };
    assert.equal(result.s3_key.startsWith(`mv/projects/${jobId}/scenes/`), true, result.s3_key);
    const media = await probe((await download(result.video_url, 'slow.mp4')).file);
    assert.deepEqual([media.video?.width, media.video?.height], [720, 1280], 'the shipped example flavor’s 9:16 720p');
  });
});
