import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startGenerationStack, type GenerationClient, type GenerationStack } from '../support/generation-stack.js';
import { seedLibraryVideo } from '../support/library-rows.js';
import { assertRefused } from './kit.js';

// No worker: every job stays queued, so nothing but the attacks below could change it.
let stack: GenerationStack;
let owner: GenerationClient;
let stranger: GenerationClient;
before(async () => {
  stack = await startGenerationStack({ worker: false, env: { MV_SYNC_TIMEOUT_SECONDS: '1' } });
  [owner, stranger] = [await stack.as(), await stack.as()];
});
after(() => stack?.stop());

const jobRow = async (key: string) => (await stack.sql<{ id: number; status: string; owner: string | null }[]>`select id::int, status, owner from jobs where key = ${key}::uuid`)[0]!;
const engineEvents = (client: GenerationClient, ref: string | number) => client.get(`/api/v1/jobs/${ref}/events`);

describe('a valid token on another user’s job', () => {
  it('generation: 403 Forbidden on status, result, cancel and events; the engine’s stream 404 by id and key; the job untouched', async () => {
    const key = String((await owner.generate()).body.job_id);
    for (const path of [`/videos/jobs/${key}/status`, `/videos/jobs/${key}/result`, `/videos/jobs/${key}/events`]) {
      assertRefused(await stranger.get(path), 403, undefined, path);
    }
    assertRefused(await stranger.delete(`/videos/jobs/${key}`), 403, undefined, 'cancel');
    const row = await jobRow(key);
    for (const ref of [row.id, key]) assertRefused(await engineEvents(stranger, ref), 404, undefined, `engine events ${ref}`);
    assert.equal((await jobRow(key)).status, 'queued', 'the stranger’s cancel changed nothing');
    assert.equal((await owner.get(`/videos/jobs/${key}/status`)).status, 200);
  });

  it('dubbing: 404 on the job and its cancel, and on dubbing the owner’s library video; the job untouched', async () => {
    const video = await seedLibraryVideo(stack, owner.userId);
    const created = await owner.send('POST', '/api/v1/jobs/create', { s3_video_id: video.id, transcript_text: 'Hello there.' });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    const key = String(created.body.job_id);
    assertRefused(await stranger.get(`/api/v1/jobs/${key}`), 404);
    assertRefused(await stranger.delete(`/api/v1/jobs/${key}`), 404);
    const row = await jobRow(key);
    for (const ref of [row.id, key]) assertRefused(await engineEvents(stranger, ref), 404, undefined, `engine events ${ref}`);
    assert.equal((await jobRow(key)).status, 'queued');
    const balance = await stranger.balance();
    assertRefused(await stranger.send('POST', '/api/v1/jobs/create', { s3_video_id: video.id, transcript_text: 'Not my video.' }), 404);
    assert.equal(await stranger.balance(), balance, 'nothing charged');
  });

  it('product ads and MV (open by their unguessable key, as documented): never by the numeric id, and another user’s ads stay out of one’s list', async () => {
    const form = new FormData();
    for (const [name, value] of Object.entries({ product_name: 'EcoWater Bottle', style: 'modern', cta_text: 'Buy Now!' })) form.set(name, value);
    const response = await fetch(`${stack.url}/api/generate`, { method: 'POST', body: form, headers: { authorization: `Bearer ${owner.token}` } });
    assert.equal(response.status, 202);
    const adKey = String(((await response.json()) as { job_id: string }).job_id);
    const ad = await jobRow(adKey);
    assert.equal(ad.owner, owner.userId);
    assertRefused(await engineEvents(stranger, ad.id), 404, undefined, 'product ad by id');
    assertRefused(await stranger.get(`/api/jobs/${ad.id}`), 400, undefined, 'product ad route by id');
    const listed = await stranger.get<{ jobs: { job_id: string }[] }>('/api/jobs?limit=100');
    assert.ok(!listed.body.jobs.some((job) => job.job_id === adKey), 'not in the stranger’s list');
    assert.ok((await owner.get<{ jobs: { job_id: string }[] }>('/api/jobs?limit=100')).body.jobs.some((job) => job.job_id === adKey));

    const scenes = await stranger.send('POST', '/api/mv/scenes', { concept_prompt: 'Robot exploring Austin, Texas', num_scenes: 2 });
    assert.equal(scenes.status, 202, JSON.stringify(scenes.body));
    const mv = await jobRow(String(scenes.body.job_id));
    assertRefused(await engineEvents(owner, mv.id), 404, undefined, 'MV by id');
    assertRefused(await owner.get(`/api/mv/jobs/${mv.id}`), 400, undefined, 'MV route by id');
  });
});
