import type { RouteHandler } from '@hono/zod-openapi';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { refusalWhileReceiving } from '../../lib/http/early-refusal.js';
import { MULTIPART_OVERHEAD_BYTES } from '../../lib/library/video-intake.js';
import { VideoIntakeError, videoTooLarge, type VideoIntakeCode } from '../../lib/library/video-intake-error.js';
import { acceptVideoUpload } from '../../lib/library/video-upload.js';
import { videoObject } from '../../lib/library/video-view.js';
import { ProviderError } from '../../providers/provider-error.js';
import { ApiError, STATUS_TYPES } from '../lib/errors.js';
import type { AppEnv } from '../lib/types.js';
import type * as routes from './video-upload.routes.js';

const INTAKE_STATUS: Record<VideoIntakeCode, ContentfulStatusCode> = {
  MALFORMED_MULTIPART: 400,
  UPLOAD_INTERRUPTED: 400,
  FILE_MISSING: 400,
  VIDEO_TOO_LARGE: 413,
  MULTIPART_REQUIRED: 415,
  UNSUPPORTED_VIDEO_TYPE: 415,
  VIDEO_EMPTY: 422,
  VIDEO_UNREADABLE: 422,
  NO_VIDEO_STREAM: 422,
};

function intakeRefusal(error: VideoIntakeError): ApiError {
  const status = INTAKE_STATUS[error.code];
  return new ApiError(status, STATUS_TYPES[status] ?? 'Error', error.message, { code: error.code });
}

/** The API's answer for what the upload threw; undefined for our own failures (the app's 500). */
function refusalOf(error: unknown, logger: AppEnv['Variables']['logger']): ApiError | undefined {
  if (error instanceof VideoIntakeError) return intakeRefusal(error);
  if (error instanceof ProviderError) {
    logger.error({ code: error.code, err: error }, 'storage failed during a video upload');
    return new ApiError(503, 'ServiceUnavailable', 'Storage is unavailable right now; please retry the upload.', { code: error.code });
  }
  return undefined;
}

/**
 * A refusal answered while the body still arrives (lib/http/early-refusal.ts): a raw Response,
 * since its body stays open until the rest of the request is drained; its JSON is the error shape.
 * Returned `as never`: the router's types admit only the declared success bodies as return values
 * (other handlers throw their errors), and this answer cannot be thrown.
 */
function answerEarly(refusal: ApiError, body: Readable): Response {
  return refusalWhileReceiving(refusal.statusCode, refusal.toBody(), body);
}

export const uploadVideo: RouteHandler<typeof routes.uploadVideo, AppEnv> = async (c) => {
  const { deps, user, logger } = c.var;
  const contentType = c.req.header('content-type') ?? '';
  if (!/^multipart\/form-data\b/i.test(contentType) || !c.req.raw.body) throw intakeRefusal(new VideoIntakeError('MULTIPART_REQUIRED'));
  const maxBytes = deps.config.VIDEO_UPLOAD_MAX_BYTES;
  const body = Readable.fromWeb(c.req.raw.body as NodeReadableStream<Uint8Array>);

  // A body that says it cannot fit is refused before a byte of it is read.
  const declared = Number(c.req.header('content-length'));
  if (declared > maxBytes + MULTIPART_OVERHEAD_BYTES) {
    return answerEarly(intakeRefusal(videoTooLarge(maxBytes)), body) as never;
  }

  try {
    const { video, created, uploadId } = await acceptVideoUpload(
      { sql: deps.sql, storage: deps.storage, maxBytes, startingBalance: deps.config.DUST_STARTING_BALANCE },
      user,
      { body, contentType },
    );
    const answer = { ...(await videoObject(video, deps.storage, deps.config.MEDIA_URL_TTL_SECONDS)), upload_id: uploadId };
    return created ? c.json(answer, 201) : c.json(answer, 200);
  } catch (error) {
    const refusal = refusalOf(error, logger);
    if (!refusal) throw error;
    // Refused before the whole body arrived: answer at once, and let the client stop sending. A 413
    // always closes the connection, as the app's other body limits do.
    if (!body.readableEnded || refusal.statusCode === 413) return answerEarly(refusal, body) as never;
    throw refusal;
  }
};
