/**
 * Why a video upload was refused. `code` is stable for clients and logs; `message` is meant for the
 * user. api/uploads maps each code to its HTTP status.
 */

export type VideoIntakeCode =
  | 'MULTIPART_REQUIRED'
  | 'MALFORMED_MULTIPART'
  | 'UPLOAD_INTERRUPTED'
  | 'FILE_MISSING'
  | 'VIDEO_TOO_LARGE'
  | 'UNSUPPORTED_VIDEO_TYPE'
  | 'VIDEO_EMPTY'
  | 'VIDEO_UNREADABLE'
  | 'NO_VIDEO_STREAM';

const MESSAGES: Record<VideoIntakeCode, string> = {
  MULTIPART_REQUIRED: 'Send the video as multipart/form-data with the file in the field `file`.',
  MALFORMED_MULTIPART: 'The multipart/form-data body is malformed or ended early.',
  UPLOAD_INTERRUPTED: 'The upload was interrupted before the whole file arrived.',
  FILE_MISSING: 'The multipart field `file` with the video is missing.',
  VIDEO_TOO_LARGE: 'The video is larger than the upload limit.',
  UNSUPPORTED_VIDEO_TYPE: 'The file is not an MP4, MOV, M4V, WebM or MKV video.',
  VIDEO_EMPTY: 'The file is empty.',
  VIDEO_UNREADABLE: 'The video could not be read; it may be damaged or incomplete.',
  NO_VIDEO_STREAM: 'The file has no video picture (audio only, or a still image).',
};

export class VideoIntakeError extends Error {
  override readonly name = 'VideoIntakeError';
  constructor(
    readonly code: VideoIntakeCode,
    options?: { cause?: unknown; message?: string },
  ) {
    super(options?.message ?? MESSAGES[code], options?.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** VIDEO_TOO_LARGE naming the limit: "The video is larger than the 500 MiB upload limit." */
export function videoTooLarge(maxBytes: number): VideoIntakeError {
  const limit = maxBytes % (1024 * 1024) === 0 ? `${maxBytes / (1024 * 1024)} MiB` : `${maxBytes}-byte`;
  return new VideoIntakeError('VIDEO_TOO_LARGE', { message: `The video is larger than the ${limit} upload limit.` });
}
