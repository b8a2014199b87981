import assert from 'node:assert/strict';
import { openAsBlob } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { probe } from '../../lib/media/ffmpeg.js';
import type { GenerationClient, GenerationStack } from '../support/generation-stack.js';
import { sseEvents } from '../support/job-streams.js';
import { postVideo } from '../support/library-uploads.js';
import { dubbingCalls, FAILING_SOURCE, HOLDING_SOURCE, PROVIDER_REASON, startDubbingStack } from './dubbing-stack.js';
import { addLibraryClip, makeSourceClip, meanVolume, toneLevel } from './media.js';

const SOURCE_SECONDS = 6;
const TRANSCRIPT = 'Hello and welcome. This spring, everything is new.';

let stack: GenerationStack;
let dir: string;
let clipPath: string;

before(async () => {
  dir = await mkdtemp(join(process.env.REELFLOW_TEST_SCRATCH ?? tmpdir(), 'dubbing-'));
  clipPath = join(dir, 'source.mp4');
  await makeSourceClip(clipPath, SOURCE_SECONDS);
  stack = await startDubbingStack();
});
after(async () => {
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

interface VideoBody {
  id: string;
  filename: string;
  original_filename: string;
  s3_key: string;
  duration: number;
  thumbnail_url: string | null;
  metadata: { has_audio: boolean; codec: string; resolution: string };
}

async function accepted(user: GenerationClient, body: Record<string, unknown>): Promise<string> {
  const reply = await dubbingCalls(stack, user).create(body);
  assert.equal(reply.status, 202, JSON.stringify(reply.body));
  return String(reply.body.job_id);
}

describe('dubbing a library video', () => {
  it('speaks the transcript onto an uploaded video, keeps the dub in the library at the source’s length, and streams its progress', async () => {
    const user = await stack.as();
    const calls = dubbingCalls(stack, user);
    const uploaded = await postVideo(stack, user, await openAsBlob(clipPath), 'Spring Promo.mp4');
    assert.equal(uploaded.status, 201, JSON.stringify(uploaded.body));
    const source = { id: String(uploaded.body.id) };
    const reply = await calls.create({ video_upload_id: uploaded.body.upload_id, transcript_text: `  ${TRANSCRIPT}  `, voice: 'daniel', ignored_field: true });
    assert.equal(reply.status, 202, JSON.stringify(reply.body));
    const jobId = String(reply.body.job_id);
    assert.deepEqual(reply.body, {
      job_id: jobId,
      status: 'queued',
      source_video_id: source.id,
      transcript_chars: TRANSCRIPT.length,
      voice: 'daniel',
      cost_dust: 6,
      status_url: `${stack.config.PUBLIC_BASE_URL}/api/v1/jobs/${jobId}`,
      events_url: `${stack.config.PUBLIC_BASE_URL}/api/v1/jobs/${jobId}/events`,
    });
    assert.equal(await user.balance(), 94);

    // EventSource sends no headers: the token rides in the query. The stream ends with the job.
    const events = await sseEvents(`${stack.url}/api/v1/jobs/${jobId}/events?access_token=${encodeURIComponent(user.token)}`);
    const statuses = events.filter((event) => event.kind === 'status');
    assert.deepEqual([...new Set(statuses.map((event) => event.status))], ['queued', 'processing', 'completed']);
    assert.deepEqual([...new Set(statuses.map((event) => event.stage).filter(Boolean))], ['speech', 'lipsync', 'finish']);
    assert.ok(events.some((event) => event.kind === 'progress' && event.stage === 'lipsync' && event.progress === 1), 'lipsync reports its progress');

    const job = await calls.waitFor(jobId, ['completed', 'failed']);
    const output = job.output_video as VideoBody;
    assert.equal(job.status, 'completed', JSON.stringify(job.error));
    assert.equal(job.progress, 1);
    assert.equal(job.error, null);
    assert.equal(job.source_video_id, source.id);
    assert.equal(output.filename, 'dub_spring_promo.mp4');
    assert.equal(output.original_filename, 'Dub of Spring Promo.mp4');
    assert.match(output.s3_key, new RegExp(`^uploads/users/${user.userId}/videos/\\d+_[0-9a-f]{8}_dub_spring_promo\\.mp4$`));
    assert.ok(output.thumbnail_url);
    assert.equal(output.metadata.resolution, '640x360');
    assert.equal(output.metadata.has_audio, true);
    assert.ok(Math.abs(output.duration - SOURCE_SECONDS) <= 0.1, `${output.duration} s`);

    // The dub itself: the source's length, one audio track that is the voice-over, not the source's tone.
    const dubPath = join(dir, `${jobId}.mp4`);
    await stack.providers.storage.getToFile(output.s3_key, dubPath);
    const media = await probe(dubPath);
    assert.ok(Math.abs(media.durationSeconds - SOURCE_SECONDS) <= 0.1, `${media.durationSeconds} s`);
    assert.equal(media.videoStreams, 1);
    assert.equal(media.audioStreams, 1);
    assert.ok((await meanVolume(dubPath, { seconds: 1.5 })) > -40, 'speech at the start');
    assert.ok((await meanVolume(dubPath, { from: SOURCE_SECONDS - 1.5 })) < -80, 'silence in the padded tail');
    const [sourceTone, dubTone] = await Promise.all([toneLevel(clipPath), toneLevel(dubPath)]);
    assert.ok(dubTone < sourceTone - 15, `440 Hz at ${dubTone} dB in the dub, ${sourceTone} dB in the source`);

    const listed = await user.get<{ videos: VideoBody[] }>('/api/v1/videos/s3-videos');
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body.videos.map((video) => video.id).sort(), [source.id, output.id].sort());
    const [row] = await stack.sql<{ sourceJobId: number; key: string }[]>`
      select v.source_job_id::int as "sourceJobId", j.key::text as key from videos v join jobs j on j.id = v.source_job_id where v.id = ${output.id}::uuid`;
    assert.equal(row?.key, jobId);
    assert.equal(await user.balance(), 94);
  });

  it('keeps a repeated dub once: the second job’s output is the first one’s video', async () => {
    const user = await stack.as();
    const calls = dubbingCalls(stack, user);
    const source = await addLibraryClip(stack, user.userId, clipPath);
    const body = { s3_video_id: source.id, transcript_text: TRANSCRIPT };
    const first = await calls.waitFor(await accepted(user, body), ['completed', 'failed']);
    const second = await calls.waitFor(await accepted(user, body), ['completed', 'failed']);
    assert.equal(second.status, 'completed', JSON.stringify(second.error));
    assert.equal((second.output_video as VideoBody).id, (first.output_video as VideoBody).id);
    const listed = await user.get<{ total_count: number }>('/api/v1/videos/s3-videos');
    assert.equal(listed.body.total_count, 2);
  });

  it('refunds the DUST when lip-sync fails for good, and shows the provider’s reason', async () => {
    const user = await stack.as();
    const calls = dubbingCalls(stack, user);
    const source = await addLibraryClip(stack, user.userId, clipPath, FAILING_SOURCE);
    const jobId = await accepted(user, { s3_video_id: source.id, transcript_text: TRANSCRIPT });
    const job = await calls.waitFor(jobId, ['failed', 'completed']);
    assert.equal(job.status, 'failed');
    assert.equal(job.stage, 'lipsync');
    assert.equal(job.output_video, null);
    assert.deepEqual(job.error, { code: 'LIPSYNC_PREDICTION_FAILED', message: PROVIDER_REASON });
    assert.equal(await user.balance(), 100);
    const { body } = await user.get<{ ledger: { kind: string; amount: number; job_id: string | null }[] }>('/credits');
    assert.deepEqual(
      body.ledger.map((entry) => [entry.kind, entry.amount, entry.job_id]),
      [
        ['refund', 6, jobId],
        ['debit', -6, jobId],
        ['starting_balance', 100, null],
      ],
    );
  });

  it('lets the owner cancel a running job (refunded once), and the source is deletable only then', async () => {
    const user = await stack.as();
    const calls = dubbingCalls(stack, user);
    const source = await addLibraryClip(stack, user.userId, clipPath, HOLDING_SOURCE);
    const jobId = await accepted(user, { s3_video_id: source.id, transcript_text: TRANSCRIPT });
    await calls.waitFor(jobId, ['processing'], (body) => body.stage === 'lipsync');
    assert.equal((await user.delete(`/api/v1/videos/s3-videos/${source.id}`)).status, 409, 'an active job uses the source');
    const stranger = await stack.as();
    assert.equal((await stranger.delete(`/api/v1/jobs/${jobId}`)).status, 404);

    const cancelled = await user.delete(`/api/v1/jobs/${jobId}`);
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.status, 'cancelled');
    assert.equal((cancelled.body.error as { code: string }).code.startsWith('CANCELLED'), true);
    assert.equal(await user.balance(), 100);
    assert.equal((await user.delete(`/api/v1/jobs/${jobId}`)).status, 409, 'an ended job cannot be cancelled');
    assert.equal(await user.balance(), 100);
    assert.equal((await user.delete(`/api/v1/videos/s3-videos/${source.id}`)).status, 200);
  });
});
