import type { RouteHandler } from '@hono/zod-openapi';
import { ensureAccount } from '../../db/credits/ledger.js';
import { recordTranscriptUpload } from '../../db/library/uploads.js';
import { ApiError } from '../lib/errors.js';
import type { AppEnv } from '../lib/types.js';
import { cancelDubbing } from './cancel.js';
import type * as routes from './dubbing.routes.js';
import { dubbingJobBody, ownDubbingJob } from './job-view.js';
import type { CreateDubbingBody } from './schemas.js';
import { acceptDubbing, type DubbingRequest } from './submission.js';
import { assertUtf8ContentType, transcriptFromBytes } from './transcript-upload.js';

const refuse = (message: string) => new ApiError(400, 'ValidationError', message);

/** Exactly one source of each kind, in the seed's words ("Usage in Job Creation"); the transcript pair worded alike. */
function requestOf(body: CreateDubbingBody): DubbingRequest {
  const { video_upload_id: videoUploadId, s3_video_id: s3VideoId, transcript_text: text, transcript_upload_id: uploadId } = body;
  if (!videoUploadId && !s3VideoId) throw refuse('Either video_upload_id or s3_video_id must be provided');
  if (videoUploadId && s3VideoId) throw refuse('Provide either video_upload_id or s3_video_id, not both');
  if (!text && !uploadId) throw refuse('Either transcript_text or transcript_upload_id must be provided');
  if (text && uploadId) throw refuse('Provide either transcript_text or transcript_upload_id, not both');
  return {
    video: s3VideoId ? { s3VideoId } : { videoUploadId: videoUploadId! },
    transcript: text ? { text } : { uploadId: uploadId! },
    voice: body.voice ?? null,
  };
}

export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  const { deps, user } = c.var;
  const request = requestOf(c.req.valid('json'));
  const accepted = await acceptDubbing(deps, user, request);
  const statusUrl = `${deps.config.PUBLIC_BASE_URL}/api/v1/jobs/${accepted.jobKey}`;
  return c.json(
    {
      job_id: accepted.jobKey,
      status: 'queued' as const,
      source_video_id: accepted.sourceVideoId,
      transcript_chars: accepted.transcriptChars,
      voice: request.voice,
      cost_dust: accepted.costDust,
      status_url: statusUrl,
      events_url: `${statusUrl}/events`,
    },
    202,
  );
};

export const get: RouteHandler<typeof routes.get, AppEnv> = async (c) => {
  const job = await ownDubbingJob(c.var.deps, c.var.user, c.req.valid('param').job_id);
  return c.json(await dubbingJobBody(c.var.deps, job), 200);
};

export const cancel: RouteHandler<typeof routes.cancel, AppEnv> = async (c) => {
  const job = await ownDubbingJob(c.var.deps, c.var.user, c.req.valid('param').job_id);
  return c.json(await dubbingJobBody(c.var.deps, await cancelDubbing(c.var.deps, job)), 200);
};

/** The transcript's bytes: the multipart `file` part, or a text/plain body (415 for anything else). */
async function uploadedBytes(c: Parameters<RouteHandler<typeof routes.uploadTranscript, AppEnv>>[0]): Promise<Uint8Array> {
  const contentType = c.req.header('content-type') ?? '';
  if (/^multipart\/form-data/i.test(contentType)) {
    const { file } = await c.req.parseBody().catch(() => {
      throw new ApiError(400, 'ValidationError', 'The multipart body cannot be read; send the transcript in a file part named `file`.');
    });
    if (!(file instanceof Blob)) throw new ApiError(400, 'ValidationError', 'file: must be a file part holding the transcript (UTF-8 text)', [{ field: 'file', message: 'must be a file' }]);
    return new Uint8Array(await file.arrayBuffer());
  }
  if (!/^text\/plain\b/i.test(contentType)) {
    throw new ApiError(415, 'UnsupportedMediaType', 'Send the transcript as multipart/form-data (field `file`) or as a text/plain body.');
  }
  assertUtf8ContentType(contentType);
  return new Uint8Array(await c.req.arrayBuffer());
}

export const uploadTranscript: RouteHandler<typeof routes.uploadTranscript, AppEnv> = async (c) => {
  const { deps, user } = c.var;
  const transcript = transcriptFromBytes(await uploadedBytes(c));
  const uploadId = await deps.sql.begin(async (tx) => {
    // Uploads belong to an account: made on first sight, as job creation does.
    await ensureAccount(tx, { id: user.id, email: user.email }, deps.config.DUST_STARTING_BALANCE);
    return recordTranscriptUpload(tx, user.id, transcript);
  });
  return c.json({ upload_id: uploadId, characters: Array.from(transcript).length }, 201);
};
