import { createRoute, z } from '@hono/zod-openapi';
import { VideoSchema } from '../library/schemas.js';
import { errorResponses } from '../lib/errors.js';

/** The path the app exempts from its multipart body limit: this route enforces its own while the file streams. */
export const VIDEO_UPLOAD_PATH = '/api/v1/upload/video';

export const UploadedVideoSchema = VideoSchema.extend({
  upload_id: z.uuid().openapi({ description: 'This upload, usable as `video_upload_id` in a job of the same user' }),
}).openapi('UploadedVideo');

// A plain schema object, not zod: a zod form schema would make the router parse (and buffer) the
// whole body before the handler runs; the handler streams it instead.
const uploadForm = {
  type: 'object' as const,
  required: ['file'],
  properties: {
    file: {
      type: 'string' as const,
      format: 'binary',
      description:
        'The video: MP4, MOV, M4V, WebM or MKV, at most VIDEO_UPLOAD_MAX_BYTES (500 MiB by default). The type is read from the content, ' +
        'never from the file name or its Content-Type; the name is kept for display only.',
    },
  },
};

export const uploadVideo = createRoute({
  method: 'post',
  path: VIDEO_UPLOAD_PATH,
  operationId: 'uploadLibraryVideo',
  tags: ['Video library'],
  security: [{ SupabaseToken: [] }],
  summary: 'Uploads a video into the caller’s library',
  description:
    'The file streams into storage as it arrives, then is probed (duration, displayed resolution, fps, codecs, bitrate, audio) and thumbnailed. ' +
    '201 with the new video and an `upload_id`; the same bytes uploaded again by the same user answer 200 with the video they already have (and a new `upload_id`). ' +
    'Refusals carry `details.code`: 400 MALFORMED_MULTIPART / FILE_MISSING / UPLOAD_INTERRUPTED; 413 VIDEO_TOO_LARGE (refused while the body streams, or at once when ' +
    'Content-Length says so; the answer closes the connection); 415 UNSUPPORTED_VIDEO_TYPE / MULTIPART_REQUIRED; 422 VIDEO_EMPTY / VIDEO_UNREADABLE / NO_VIDEO_STREAM. ' +
    'Nothing is stored when a file is refused. 503 when storage is unavailable.',
  request: { body: { required: true, content: { 'multipart/form-data': { schema: uploadForm } } } },
  responses: {
    201: { description: 'Uploaded: the new library video', content: { 'application/json': { schema: UploadedVideoSchema } } },
    200: { description: 'The caller already has these bytes: that video', content: { 'application/json': { schema: UploadedVideoSchema } } },
    ...errorResponses(400, 401, 413, 415, 422, 503),
  },
});
