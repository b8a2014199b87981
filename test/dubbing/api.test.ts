import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { recordVideoUpload } from '../../db/library/uploads.js';
import type { LibraryVideo } from '../../db/library/videos.js';
import type { GenerationClient, GenerationStack } from '../support/generation-stack.js';
import { dubbingCalls, startDubbingStack } from './dubbing-stack.js';
import { addLibraryClip, makeSourceClip } from './media.js';

let stack: GenerationStack;
let dir: string;
let clipPath: string;
let owner: GenerationClient;
let video: LibraryVideo;

before(async () => {
  dir = await mkdtemp(join(process.env.REELFLOW_TEST_SCRATCH ?? tmpdir(), 'dubbing-api-'));
  clipPath = join(dir, 'source.mp4');
  await makeSourceClip(clipPath, 3);
  stack = await startDubbingStack();
  owner = await stack.as();
  video = await addLibraryClip(stack, owner.userId, clipPath);
});
after(async () => {
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

const dubbingJobsOf = async (userId: string) =>
  (await stack.sql<{ n: number }[]>`select count(*)::int as n from jobs where owner = ${userId} and pipeline = 'dubbing'`)[0]!.n;

/** The request's answer must be `status` with `message` (the API's error shape). */
async function refused(reply: Promise<{ status: number; body: Record<string, unknown> }>, status: number, message: string | RegExp) {
  const { status: actual, body } = await reply;
  assert.equal(actual, status, JSON.stringify(body));
  assert.equal(body.statusCode, status);
  if (typeof message === 'string') assert.equal(body.message, message);
  else assert.match(String(body.message), message);
}

describe('POST /api/v1/jobs/create', () => {
  it('wants exactly one video source and one transcript source, in the seed’s words', async () => {
    const create = dubbingCalls(stack, owner).create;
    const text = { transcript_text: 'Hello there.' };
    await refused(create({ ...text }), 400, 'Either video_upload_id or s3_video_id must be provided');
    await refused(create({ ...text, s3_video_id: null, video_upload_id: null }), 400, 'Either video_upload_id or s3_video_id must be provided');
    await refused(create({ ...text, s3_video_id: video.id, video_upload_id: randomUUID() }), 400, 'Provide either video_upload_id or s3_video_id, not both');
    await refused(create({ s3_video_id: video.id }), 400, 'Either transcript_text or transcript_upload_id must be provided');
    await refused(create({ s3_video_id: video.id, ...text, transcript_upload_id: randomUUID() }), 400, 'Provide either transcript_text or transcript_upload_id, not both');
    assert.equal(await dubbingJobsOf(owner.userId), 0);
  });

  it('checks each field: UUIDs, the transcript’s text and length, the voice', async () => {
    const create = dubbingCalls(stack, owner).create;
    await refused(create({ s3_video_id: 'not-a-uuid', transcript_text: 'Hi.' }), 400, 's3_video_id: s3_video_id must be a UUID');
    await refused(create({ video_upload_id: 42, transcript_text: 'Hi.' }), 400, /video_upload_id must be a UUID/);
    await refused(create({ s3_video_id: video.id, transcript_upload_id: 'x' }), 400, /transcript_upload_id must be a UUID/);
    await refused(create({ s3_video_id: video.id, transcript_text: '   ' }), 400, /transcript_text must not be empty/);
    await refused(create({ s3_video_id: video.id, transcript_text: 'a'.repeat(20_001) }), 400, /at most 20000 characters/);
    await refused(create({ s3_video_id: video.id, transcript_text: 'Hello\u0007 there' }), 400, /must not contain control characters/);
    await refused(create({ s3_video_id: video.id, transcript_text: 'Hi.', voice: 'Morgan' }), 400, /voice must be one of autumn, diana, hannah, austin, daniel, troy/);
    assert.equal(await dubbingJobsOf(owner.userId), 0);
  });

  it('refuses a transcript far longer than its video could carry (422), before anything is charged', async () => {
    const calls = dubbingCalls(stack, owner);
    const balance = await owner.balance();
    // The 3 s clip carries at most 300 characters (30 a second, at least 300).
    const typed = await calls.create({ s3_video_id: video.id, transcript_text: 'word '.repeat(61).trim() + '!' });
    assert.equal(typed.status, 422, JSON.stringify(typed.body));
    assert.deepEqual(typed.body.details, { code: 'TRANSCRIPT_TOO_LONG', characters: 305, allowed: 300 });
    const uploaded = await calls.uploadTranscript('Say this. '.repeat(10_000), 'text/plain');
    assert.equal(uploaded.status, 201);
    const long = await calls.create({ s3_video_id: video.id, transcript_upload_id: String(uploaded.body.upload_id) });
    assert.equal(long.status, 422, JSON.stringify(long.body));
    assert.equal(await owner.balance(), balance);
    assert.equal(await dubbingJobsOf(owner.userId), 0);
  });

  it('answers 404 for a video or transcript that is not the caller’s — another user’s, deleted or unknown', async () => {
    const stranger = await stack.as();
    const theirs = await addLibraryClip(stack, stranger.userId, clipPath);
    const theirUpload = await recordVideoUpload(stack.sql, stranger.userId, theirs.id);
    const theirTranscript = await dubbingCalls(stack, stranger).uploadTranscript('Their words.', 'text/plain');
    assert.equal(theirTranscript.status, 201);
    const create = dubbingCalls(stack, owner).create;
    const text = { transcript_text: 'Hello there.' };
    await refused(create({ ...text, s3_video_id: theirs.id }), 404, 'Video not found');
    await refused(create({ ...text, s3_video_id: randomUUID() }), 404, 'Video not found');
    await refused(create({ ...text, video_upload_id: theirUpload }), 404, 'Video not found');
    await refused(create({ ...text, video_upload_id: randomUUID() }), 404, 'Video not found');
    await refused(create({ s3_video_id: video.id, transcript_upload_id: String(theirTranscript.body.upload_id) }), 404, 'Transcript not found');
    // A video upload's id is no transcript.
    await refused(create({ s3_video_id: video.id, transcript_upload_id: await recordVideoUpload(stack.sql, owner.userId, video.id) }), 404, 'Transcript not found');

    const user = await stack.as();
    await makeSourceClip(join(dir, 'deleted.mp4'), 2);
    const deleted = await addLibraryClip(stack, user.userId, join(dir, 'deleted.mp4'));
    const upload = await recordVideoUpload(stack.sql, user.userId, deleted.id);
    assert.equal((await user.delete(`/api/v1/videos/s3-videos/${deleted.id}`)).status, 200);
    await refused(dubbingCalls(stack, user).create({ ...text, s3_video_id: deleted.id }), 404, 'Video not found');
    await refused(dubbingCalls(stack, user).create({ ...text, video_upload_id: upload }), 404, 'Video not found');
    assert.equal(await dubbingJobsOf(owner.userId), 0);
    assert.equal(await owner.balance(), 100);
  });

  it('answers 402 and creates nothing when the balance is short', async () => {
    const user = await stack.as();
    const source = await addLibraryClip(stack, user.userId, clipPath);
    const grant = await stack.admin('POST', '/api/v1/admin/credits/grant', { user_id: user.userId, amount: -95, reason: 'test' });
    assert.equal(grant.status, 200, JSON.stringify(grant.body));
    const reply = await dubbingCalls(stack, user).create({ s3_video_id: source.id, transcript_text: 'Hello there.' });
    assert.equal(reply.status, 402);
    assert.equal(reply.body.error, 'InsufficientCredits');
    assert.equal(reply.body.balance, 5);
    assert.equal(reply.body.required, 6);
    assert.equal(await dubbingJobsOf(user.userId), 0);
    assert.equal(await user.balance(), 5);
  });

  it('wants a signed-in user', async () => {
    const reply = await fetch(`${stack.url}/api/v1/jobs/create`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ s3_video_id: video.id, transcript_text: 'Hi.' }) });
    assert.equal(reply.status, 401);
  });

  it('takes a video upload and an uploaded transcript, in the asked voice', async () => {
    const user = await stack.as();
    const calls = dubbingCalls(stack, user);
    const source = await addLibraryClip(stack, user.userId, clipPath);
    const transcript = await calls.uploadTranscript('\uFEFF  Uploaded words, spoken.\n', 'text/plain; charset=utf-8');
    assert.equal(transcript.status, 201, JSON.stringify(transcript.body));
    assert.equal(transcript.body.characters, 'Uploaded words, spoken.'.length);
    const reply = await calls.create({ video_upload_id: await recordVideoUpload(stack.sql, user.userId, source.id), transcript_upload_id: transcript.body.upload_id, voice: 'hannah' });
    assert.equal(reply.status, 202, JSON.stringify(reply.body));
    assert.equal(reply.body.source_video_id, source.id);
    assert.equal(reply.body.transcript_chars, 'Uploaded words, spoken.'.length);
    const job = await calls.waitFor(String(reply.body.job_id), ['completed', 'failed']);
    assert.equal(job.status, 'completed', JSON.stringify(job.error));
    assert.equal(job.voice, 'hannah');
    const [voiced] = await stack.sql<{ detail: { voice: string } }[]>`
      select e.detail from job_events e join jobs j on j.id = e.job_id where j.key = ${String(reply.body.job_id)}::uuid and e.stage = 'speech' and e.detail ? 'voice'`;
    assert.equal(voiced?.detail.voice, 'en-us+f4', 'espeak-ng’s stand-in for hannah spoke');
  });
});

describe('GET /api/v1/jobs/{job_id}', () => {
  it('shows the owner’s dubbing job only: 404 for another user, a numeric id, an unknown key or another product’s job', async () => {
    const calls = dubbingCalls(stack, owner);
    const jobId = String((await calls.create({ s3_video_id: video.id, transcript_text: 'Hello there.' })).body.job_id);
    const job = await calls.job(jobId);
    assert.equal(job.status, 200);
    assert.deepEqual(Object.keys(job.body).sort(), ['cost_dust', 'created_at', 'error', 'job_id', 'output_video', 'progress', 'source_video_id', 'stage', 'status', 'transcript_chars', 'updated_at', 'voice']);
    assert.equal(job.body.voice, null);
    const stranger = await stack.as();
    assert.equal((await stranger.get(`/api/v1/jobs/${jobId}`)).status, 404);
    const [row] = await stack.sql<{ id: number }[]>`select id::int from jobs where key = ${jobId}::uuid`;
    assert.equal((await owner.get(`/api/v1/jobs/${row!.id}`)).status, 404);
    assert.equal((await owner.get(`/api/v1/jobs/${randomUUID()}`)).status, 404);
    const generation = await owner.generate({ prompt: 'not a dub' });
    assert.equal(generation.status, 202);
    assert.equal((await owner.get(`/api/v1/jobs/${String(generation.body.job_id)}`)).status, 404);
    await calls.waitFor(jobId, ['completed']);
    await owner.waitFor(String(generation.body.job_id), ['completed']);

    // The engine's event stream follows the same rule.
    assert.equal((await fetch(`${stack.url}/api/v1/jobs/${jobId}/events?access_token=${encodeURIComponent(stranger.token)}`)).status, 404);
    assert.equal((await fetch(`${stack.url}/api/v1/jobs/${jobId}/events`)).status, 404);
  });
});

describe('POST /api/v1/upload/transcript', () => {
  const text = (bytes: number) => 'word '.repeat(Math.ceil(bytes / 5)).slice(0, bytes);

  it('takes a multipart file of up to 100 KB and a text/plain body', async () => {
    const calls = dubbingCalls(stack, owner);
    const form = new FormData();
    form.append('file', new Blob([`Z${text(100 * 1024 - 2)}Z`], { type: 'text/plain' }), 'script.txt');
    const multipart = await calls.uploadTranscript(form);
    assert.equal(multipart.status, 201, JSON.stringify(multipart.body));
    assert.equal(multipart.body.characters, 100 * 1024);
    const plain = await calls.uploadTranscript('Héllo — wörld, 你好.', 'text/plain');
    assert.equal(plain.status, 201, JSON.stringify(plain.body));
    assert.equal(plain.body.characters, 'Héllo — wörld, 你好.'.length);
  });

  it('refuses more than 100 KB (413), bytes that are not UTF-8 (422), nothing to say and control characters (400), other types (415)', async () => {
    const calls = dubbingCalls(stack, owner);
    const file = (content: string | Uint8Array) => {
      const form = new FormData();
      form.append('file', new Blob([content]), 'script.txt');
      return form;
    };
    assert.equal((await calls.uploadTranscript(file(text(101 * 1024)))).status, 413);
    assert.equal((await calls.uploadTranscript(text(101 * 1024), 'text/plain')).status, 413);
    // A plain body of exactly 100 KB is within the limit (the app's 64 KB JSON limit does not apply).
    assert.equal((await calls.uploadTranscript(text(100 * 1024), 'text/plain')).status, 201);
    const latin1 = Uint8Array.from([0x48, 0xe9, 0x6c, 0x6c, 0x6f]);
    const notUtf8 = await calls.uploadTranscript(file(latin1));
    assert.equal(notUtf8.status, 422, JSON.stringify(notUtf8.body));
    assert.equal((notUtf8.body.details as { code: string }).code, 'TRANSCRIPT_NOT_UTF8');
    assert.equal((await calls.uploadTranscript(latin1, 'text/plain')).status, 422);
    assert.equal((await calls.uploadTranscript(' \n\t ', 'text/plain')).status, 400);
    assert.equal((await calls.uploadTranscript(file('Hello\u0000there'))).status, 400);
    assert.equal((await calls.uploadTranscript('Hello\u0001there', 'text/plain')).status, 400);
    assert.equal((await calls.uploadTranscript('{"text":"hi"}', 'application/json')).status, 415);
    assert.equal((await calls.uploadTranscript('hi', 'text/plain; charset=iso-8859-1')).status, 415);
    const noFile = new FormData();
    noFile.append('file', 'typed in a field, not a file');
    assert.equal((await calls.uploadTranscript(noFile)).status, 400);
  });
});
