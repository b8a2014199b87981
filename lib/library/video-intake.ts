import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import { ProviderError } from '../../providers/provider-error.js';
import type { Storage } from '../../providers/ports.js';
import { teeInto } from './tee.js';
import { VideoUploadMeter } from './upload-meter.js';
import type { VideoContainer } from './video-container.js';
import { VideoIntakeError, videoTooLarge } from './video-intake-error.js';

/** Room for the multipart framing around the file: boundaries, part headers, a few small fields. */
export const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

/** One file (the first; later ones are skipped) and a few small fields; anything else in the form is read past. */
const FORM_LIMITS = { files: 1, fields: 16, fieldSize: 4096, parts: 32, headerPairs: 32 };

export interface VideoIntakeOptions {
  /** The request's Content-Type: multipart/form-data with its boundary. */
  contentType: string;
  /** VIDEO_UPLOAD_MAX_BYTES: the file's limit, enforced as it streams. */
  maxBytes: number;
  storage: Storage;
  /** A folder the caller removes afterwards: the scratch copy goes there. */
  scratchDir: string;
  /** The storage key for a file of this container and client-given name (never the name raw). */
  keyFor: (container: VideoContainer, originalName: string | undefined) => string;
}

export interface ReceivedVideo {
  container: VideoContainer;
  /** The multipart file name as the client sent it, unchecked: for display only. */
  originalName: string | undefined;
  /** Where the bytes are stored. */
  videoKey: string;
  /** The scratch copy of the same bytes, for ffprobe and the thumbnail. */
  path: string;
  bytes: number;
  /** Hex SHA-256 of the file. */
  sha256: string;
}

/**
 * Streams the multipart field `file` of a request body into storage (`keyFor`) and a scratch copy
 * at once, never holding it whole: the type is read from the first bytes, the size limit and the
 * SHA-256 are applied as the bytes pass, and the slower of the two sinks sets the pace of the
 * request. Throws a VideoIntakeError for what the client sent (FILE_MISSING, VIDEO_TOO_LARGE,
 * UNSUPPORTED_VIDEO_TYPE, VIDEO_EMPTY, MALFORMED_MULTIPART, UPLOAD_INTERRUPTED), a ProviderError
 * when storage fails; either way nothing is left in storage (a multipart upload is aborted, a
 * stored object deleted). `body` is left unread where the refusal stopped, for the caller to drain.
 */
export async function receiveVideo(body: Readable, options: VideoIntakeOptions): Promise<ReceivedVideo> {
  let parser: busboy.Busboy;
  try {
    // Browsers send file names as raw UTF-8; busboy would read them as Latin-1.
    parser = busboy({ headers: { 'content-type': options.contentType }, limits: FORM_LIMITS, defParamCharset: 'utf8' });
  } catch (error) {
    throw new VideoIntakeError('MALFORMED_MULTIPART', { cause: error });
  }
  let parserError: unknown;
  parser.on('error', (error) => (parserError ??= error));
  const parsed = finished(parser);
  parsed.catch(() => undefined); // observed below, or moot once the file failed
  const fileArrived = new Promise<{ file: Readable; name: string | undefined }>((resolve) => {
    parser.on('file', (field, file, info) => {
      // A body that ends inside the part fails the file stream, possibly before anything reads it:
      // the failure is the parser's (MALFORMED_MULTIPART) or the pipeline's to report, never unhandled.
      file.on('error', () => undefined);
      // Browsers and curl escape `"`, CR and LF in multipart file names as %22, %0D, %0A (HTML's
      // form encoding); the others stay as sent.
      if (field === 'file') resolve({ file, name: info.filename?.replace(/%22/g, '"').replace(/%0D|%0A/gi, ' ') });
      else file.resume();
    });
  });

  const bodyLimit = options.maxBytes + MULTIPART_OVERHEAD_BYTES;
  let bodyBytes = 0;
  const countBody = (chunk: Buffer) => {
    bodyBytes += chunk.length;
    if (bodyBytes > bodyLimit) parser.destroy(videoTooLarge(options.maxBytes));
  };
  const interrupted = (error: Error) => parser.destroy(new VideoIntakeError('UPLOAD_INTERRUPTED', { cause: error }));
  body.on('data', countBody).on('error', interrupted).pipe(parser);

  let received: ReceivedVideo | undefined;
  try {
    const upload = await Promise.race([fileArrived, parsed.then(() => undefined)]);
    if (!upload) throw new VideoIntakeError('FILE_MISSING');
    received = await receiveFile(upload.file, upload.name, options);
    await parsed; // the rest of the form must be well formed too
    return received;
  } catch (error) {
    parser.destroy();
    if (received) await options.storage.delete(received.videoKey).catch(() => undefined);
    // Stream errors are emitted on later ticks than the one that failed the file: let them land.
    await new Promise((resolve) => setImmediate(resolve));
    if (error instanceof VideoIntakeError || error instanceof ProviderError) throw error;
    if (parserError !== undefined) throw new VideoIntakeError('MALFORMED_MULTIPART', { cause: parserError });
    throw error;
  } finally {
    // In this order: unpiping resumes a body that still has a 'data' listener. What is left of the
    // body is the caller's to drain; its 'error' listener stays, so a client leaving later is no crash.
    body.off('data', countBody);
    body.unpipe(parser);
    body.pause();
  }
}

/** The file's bytes through the meter into storage and the scratch copy; on failure, nothing stays stored. */
async function receiveFile(file: Readable, originalName: string | undefined, options: VideoIntakeOptions): Promise<ReceivedVideo> {
  const meter = new VideoUploadMeter(options.maxBytes);
  let target: { container: VideoContainer; videoKey: string; path: string } | undefined;
  let storing: Promise<void> | undefined;
  let copying: Promise<void> | undefined;
  // Called by the tee with the first chunk, when the meter has named the container.
  const open = (): Writable[] => {
    const container = meter.container!;
    target = { container, videoKey: options.keyFor(container, originalName), path: join(options.scratchDir, `upload.${container.ext}`) };
    const stored = new PassThrough();
    // Destroyed with the upload's error when it fails; `storing` reports it.
    stored.on('error', () => undefined);
    storing = options.storage.putStream(target.videoKey, stored, container.contentType);
    // A failed upload stops reading its body: fail the tee rather than wait on it forever.
    storing.catch((error: unknown) => stored.destroy(error instanceof Error ? error : new Error(String(error))));
    const copy = createWriteStream(target.path);
    copying = finished(copy);
    copying.catch(() => undefined); // awaited below
    return [stored, copy];
  };
  try {
    await pipeline(file, meter, (source: AsyncIterable<Buffer>) => teeInto(source, open));
    await Promise.all([storing, copying]);
  } catch (error) {
    await Promise.allSettled([storing, copying]);
    if (target) await options.storage.delete(target.videoKey).catch(() => undefined);
    throw error;
  }
  if (!target || !meter.sha256) throw new Error('the upload meter ended without naming the container');
  return { ...target, originalName, bytes: meter.bytes, sha256: meter.sha256 };
}
